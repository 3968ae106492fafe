"""The data's own words offered in the forms: event names, actions, stages, properties and
the values a property takes, each read by a small read-only query (cached per data
version). The browser names a property; only a fixed table of properties maps to a
column, so no text from a request becomes SQL."""

from __future__ import annotations

import importlib
from typing import Any

import sqlglot.expressions as exp

from shoplens.events.stages import ACTIONS, STAGES
from shoplens.explorer.cache import ResultCache, cache_key
from shoplens.explorer.datasource import DataSource

#: properties the forms offer when the property catalogue is not installed
DEFAULT_PROPERTIES = (
    "user.country", "user.segment", "user.rfm_group", "user.cohort", "product.category",
    "product.brand", "event.price", "event.revenue", "event.quantity", "session.n_events",
    "time.weekday", "time.hour",
)
#: property -> (table, column) whose distinct values the forms suggest
VALUE_SOURCES: dict[str, tuple[str, str]] = {
    "user.country": ("users", "country"),
    "product.category": ("products", "category"),
    "product.brand": ("products", "brand"),
    "user.segment": ("user_segments", "segment"),
    "user.rfm_group": ("user_segments", "rfm_segment"),
    "event.raw_event": ("events", "raw_event"),
    "event.event_type": ("events", "event_type"),
}
VALUE_LIMIT = 100
#: seconds a page's form may offer the vocabulary of the previous data version: rendering
#: a form then asks the database nothing (a load's new event names appear within this)
VOCABULARY_AGE = 10.0


def _events_sql() -> str:
    return (exp.select("raw_event", exp.Count(this=exp.Star()).as_("n")).from_("events")
            .group_by("raw_event").order_by("n DESC").limit(200).sql())


def _values_sql(table: str, column: str) -> str:
    col = exp.column(column, quoted=True)
    return (exp.select(col.as_("value"), exp.Count(this=exp.Star()).as_("n"))
            .from_(exp.table_(table, quoted=True)).where(col.is_(exp.null()).not_())
            .group_by(col).order_by("n DESC").limit(VALUE_LIMIT).sql())


def properties(source: DataSource, cache: ResultCache) -> list[str]:
    """Property names for filters and breakdowns (:class:`shoplens.insights.properties.Catalogue`
    where installed)."""
    try:
        module = importlib.import_module("shoplens.insights.properties")
    except ImportError:
        return list(DEFAULT_PROPERTIES)
    catalogue = getattr(module, "Catalogue", None)
    if catalogue is None:
        return list(DEFAULT_PROPERTIES)

    def compute() -> list[str]:
        with source.engine() as engine:
            found = catalogue(engine).properties
            found = found() if callable(found) else found
        names = [str(k) for k in found]
        return sorted(names) or list(DEFAULT_PROPERTIES)

    try:
        key = cache_key("properties", None, source.version(VOCABULARY_AGE))
        value, _ = cache.get_or_compute(key, compute)
    except Exception:
        return list(DEFAULT_PROPERTIES)
    return value


def event_names(source: DataSource, cache: ResultCache) -> list[dict[str, Any]]:
    """Event references with counts: raw names first (most frequent), then actions, stages."""

    def compute() -> list[dict[str, Any]]:
        with source.engine() as engine:
            rows = engine.fetch_all(_events_sql())
        return [{"value": str(name), "label": f"{name} ({int(n):,})"} for name, n in rows]

    raw, _ = cache.get_or_compute(cache_key("events", None, source.version(VOCABULARY_AGE)), compute)
    return ([*raw, *({"value": f"action:{a}", "label": f"action:{a}"} for a in ACTIONS),
             *({"value": f"stage:{s}", "label": f"stage:{s}"} for s in STAGES)])


def property_values(source: DataSource, cache: ResultCache, prop: str) -> list[str]:
    """Up to ``VALUE_LIMIT`` most frequent values of ``prop`` (empty for others)."""
    where = VALUE_SOURCES.get(prop)
    if where is None:
        return _values_by_breakdown(source, cache, prop)
    table, column = where

    def compute() -> list[str]:
        with source.engine() as engine:
            if not engine.table_exists(table) or column not in engine.columns(table):
                return []
            return [str(v) for v, _n in engine.fetch_all(_values_sql(table, column))]

    values, _ = cache.get_or_compute(cache_key("values", prop, source.version()), compute)
    return values


def _values_by_breakdown(source: DataSource, cache: ResultCache, prop: str) -> list[str]:
    """Any other property's top values, asked through the query model itself: a trends
    query over all the data broken down by ``prop`` (read-only, every engine). A name the
    catalogue does not know gives no values."""
    from shoplens.explorer.runs import NotAvailable, insight_runner
    from shoplens.insights.schema import parse_query

    try:
        run = insight_runner()
        query = parse_query({"kind": "trends", "series": [{}], "interval": "quarter",
                             "date_range": {"date_from": "all"},
                             "breakdowns": [{"property": prop, "limit": VALUE_LIMIT,
                                             "hide_other": True}]})
    except (NotAvailable, ValueError):
        return []

    def compute() -> list[str]:
        with source.engine() as engine:
            try:
                result = run(engine, query)
            except Exception:  # unknown or unsuitable property: no suggestions
                return []
        seen: dict[str, int] = {}
        for series in result.payload.get("series", []):
            value = series.get("breakdown_value")
            if value not in (None, "", []):
                key = " / ".join(map(str, value)) if isinstance(value, list) else str(value)
                seen[key] = seen.get(key, 0) + int(series.get("total") or 0)
        return sorted(seen, key=lambda k: -seen[k])

    values, _ = cache.get_or_compute(cache_key("values", prop, source.version()), compute)
    return values
