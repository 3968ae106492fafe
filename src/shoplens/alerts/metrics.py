"""The watched metrics: each one a trends query of the insight query model.

A built-in name (``revenue``, ``orders`` ...) stands for a :class:`TrendsQuery`; any other
trends query document can be watched as it is. A query of several series with a formula
(``A / B``) is one ratio metric; without a formula each series is its own metric.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from shoplens.errors import ConfigError
from shoplens.insights.schema import EventSeries, TrendsQuery

_PURCHASE = "action:purchase"

#: built-in metric -> (label, query, unit)
BUILTIN: dict[str, tuple[str, TrendsQuery, str]] = {
    "revenue": ("Revenue", TrendsQuery(series=[EventSeries(
        event=_PURCHASE, math="sum", math_property="revenue", name="Revenue")]), "money"),
    "orders": ("Orders", TrendsQuery(series=[EventSeries(
        event=_PURCHASE, math="unique_sessions", name="Orders")]), "count"),
    "buyers": ("Buyers", TrendsQuery(series=[EventSeries(
        event=_PURCHASE, math="unique_users", name="Buyers")]), "count"),
    "dau": ("Daily active users", TrendsQuery(series=[EventSeries(
        math="unique_users", name="Daily active users")]), "count"),
    "conversion": ("Conversion", TrendsQuery(series=[
        EventSeries(event=_PURCHASE, math="unique_users", name="Buyers"),
        EventSeries(math="unique_users", name="Active users")], formula="A / B"), "ratio"),
    "events": ("Events", TrendsQuery(series=[EventSeries(name="Events")]), "count"),
}
DEFAULT_METRICS: tuple[str, ...] = ("revenue", "orders", "buyers", "dau", "conversion")


@dataclass(frozen=True)
class Metric:
    """One watched series: a name for messages and JSON, and the query that computes it.

    ``series`` holds the query's series used (one, or two for a ratio ``A / B``).
    """

    key: str
    label: str
    query: TrendsQuery
    unit: str = "count"

    @property
    def is_ratio(self) -> bool:
        return self.query.formula is not None

    @property
    def additive(self) -> bool:
        """Whether the values of a breakdown add up to the total (counts of events and
        sums do; distinct users and sessions nearly do, ratios do not)."""
        return not self.is_ratio


def known_metrics() -> list[str]:
    return [*BUILTIN, "events:<event>"]


def resolve(name: str) -> Metric:
    """The metric a name on the command line means.

    ``events:<event>`` counts one event: a raw name as the tracker wrote it, or
    ``action:NAME`` / ``stage:NAME`` of the taxonomy.
    """
    key = name.strip()
    if key in BUILTIN:
        label, query, unit = BUILTIN[key]
        return Metric(key, label, query, unit)
    if key.startswith("events:") and key[len("events:"):].strip():
        event = key[len("events:"):].strip()
        return Metric(key, f"Events {event}",
                      TrendsQuery(series=[EventSeries(event=event, name=event)]), "count")
    close = difflib.get_close_matches(key, list(BUILTIN), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"--metric: unknown metric {name!r}{hint}; known metrics: "
                      f"{', '.join(known_metrics())}")


def from_query(query: TrendsQuery, index: int = 0) -> list[Metric]:
    """The metrics a trends query document stands for."""
    if query.breakdowns:
        raise ConfigError("a watched trends query must have no breakdowns: the root cause "
                          "breaks every metric down by --breakdown itself")
    if query.compare or query.cumulative:
        raise ConfigError("a watched trends query must not be compare or cumulative")
    if query.formula:
        label = query.series[0].name or f"query {index + 1} ({query.formula})"
        return [Metric(f"query{index + 1}", label, query, "ratio")]
    return [Metric(f"query{index + 1}" + (f".{chr(65 + i)}" if len(query.series) > 1 else ""),
                   s.label, query.model_copy(update={"series": [s]}), "count")
            for i, s in enumerate(query.series)]
