"""The property catalogue: every name a filter, breakdown or math property may use.

A property is ``<kind>.<name>``:

``event``
    the columns of ``events`` (``event.event_type``, ``event.raw_event``,
    ``event.product_id``, ``event.price`` — the price paid, else the list price —,
    ``event.quantity``, ``event.session_id``, ``event.user_id``), ``event.revenue``
    (the signed line value: price times quantity of a purchase, negative for a refund,
    NULL for other events), ``event.stage`` and ``event.action`` of the event taxonomy,
    and any key of the ``events.properties`` JSON object (``event.utm_source``), found by
    reading a sample of the events.
``product``
    ``product.category`` (dotted path), ``product.category_id``, ``product.brand``,
    ``product.name``, ``product.list_price``: the event's product, joined.
``user``
    ``user.country``, ``user.signup_date``, ``user.first_seen``, ``user.cohort`` (the
    month of the first purchase), ``user.first_purchase_date``; ``user.segment`` and
    ``user.rfm_group`` where ``shoplens segments`` stored them; ``user.channel`` and
    ``user.device`` where the events carry them (the first non-empty ``utm_source`` /
    ``channel`` / ``source`` and ``device`` / ``device_type`` / ``platform`` of the
    user's events: first touch).
``session``
    ``session.n_events``, ``session.duration`` (seconds), ``session.start`` of the
    tracker's or derived session.
``time``
    ``time.weekday`` (1 Monday .. 7 Sunday), ``time.hour`` (0..23), ``time.day``,
    ``time.month`` (1..12): parts of the event time in the query's time zone.

A bare name (``country``, ``utm_source``) resolves to the one kind that has it; an
unknown or ambiguous name is a :class:`~shoplens.errors.ConfigError` listing the
closest names (:func:`difflib.get_close_matches`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.errors import ConfigError

PropertyType = Literal["text", "number", "date", "datetime", "bool"]
KINDS = ("event", "product", "user", "session", "time")

#: aliases of the relations a property reads (see :mod:`shoplens.insights.compile.sources`)
EVENTS = "e"

#: events.properties keys that say where a user came from / what they used (first touch)
CHANNEL_KEYS = ("utm_source", "channel", "source", "traffic_source", "acquisition_channel")
DEVICE_KEYS = ("device", "device_type", "platform", "device_category")
#: rows of events.properties read to find the keys and their types
SAMPLE_ROWS = 20_000

# Builders get the local event time (the query's time zone) and return an expression.
Builder = Callable[[exp.Expression], exp.Expression]


@dataclass(frozen=True)
class Property:
    """One property: what it is called, its type, what it reads and how."""

    kind: str
    name: str
    type: PropertyType
    description: str
    build: Builder
    #: the relation it needs joined to ``events`` (None: events alone)
    join: str | None = None
    #: a small closed set of values (no top-N cut in breakdowns)
    bounded: bool = False

    @property
    def ref(self) -> str:
        return f"{self.kind}.{self.name}"

    def expr(self, local_time: exp.Expression | None = None) -> exp.Expression:
        """The SQL expression (source dialect) of this property."""
        return self.build(local_time if local_time is not None else col("event_time"))


def col(name: str, table: str = EVENTS) -> exp.Column:
    return exp.column(name, table)


def _sql(text: str) -> Builder:
    parsed = exp.maybe_parse(text, dialect="postgres")
    return lambda _t: parsed.copy()


def json_text(key: str, table: str = EVENTS) -> exp.Expression:
    """``CAST(e.properties AS JSON) ->> 'key'``: the text of one key of the JSON object.

    The key is a name found in the data (the catalogue only offers those), rendered as
    an escaped string literal; each engine reads it its own way (SQLGlot's JSON
    extraction, Spark's ``get_json_object`` in :mod:`shoplens.engines.spark_sql`)."""
    return exp.JSONExtractScalar(
        this=exp.Cast(this=col("properties", table), to=exp.DataType.build("JSON")),
        expression=exp.Literal.string(key))


def _json_builder(key: str, numeric: bool) -> Builder:
    def build(_t: exp.Expression) -> exp.Expression:
        text = json_text(key)
        if not numeric:
            return text
        return exp.Cast(this=text, to=exp.DataType.build("DOUBLE PRECISION"))
    return build


def _part(unit: str) -> Builder:
    return lambda t: exp.Cast(this=exp.Extract(this=exp.var(unit), expression=t),
                              to=exp.DataType.build("INTEGER"))


# a purchase or refund with no price anywhere (no event price, no list price) is worth 0,
# so revenue is never NULL where there were purchases (the revenue rollups add it up)
REVENUE_SQL = (
    "CASE WHEN e.event_type = 'purchase' THEN COALESCE(e.price, p.price, 0) * e.quantity "
    "WHEN e.event_type = 'refund' THEN -COALESCE(e.price, p.price, 0) * e.quantity END")


@functools.cache  # parsing every fixed property once per process, not per lookup
def _static() -> list[Property]:
    P = Property
    return [
        P("event", "event_type", "text", "canonical event type (view, cart, purchase ...)",
          _sql("e.event_type"), bounded=True),
        P("event", "raw_event", "text", "the event name as the tracker wrote it",
          _sql("e.raw_event")),
        P("event", "product_id", "text", "the event's product", _sql("e.product_id")),
        P("event", "price", "number", "price paid, else the product's list price",
          _sql("COALESCE(e.price, p.price)"), join="products"),
        P("event", "quantity", "number", "units of the line", _sql("e.quantity")),
        P("event", "revenue", "number",
          "signed line value: price x quantity, negative for refunds",
          _sql(REVENUE_SQL), join="products"),
        P("event", "session_id", "text", "the tracker's session", _sql("e.session_id")),
        P("event", "user_id", "text", "the user", _sql("e.user_id")),
        P("event", "stage", "text", "journey stage of the event taxonomy",
          _sql("COALESCE(t.stage, 'other')"), join="taxonomy", bounded=True),
        P("event", "action", "text", "action of the event taxonomy",
          _sql("COALESCE(t.action, 'other')"), join="taxonomy", bounded=True),
        # a blank category is no category (as the catalogue and the revenue rollups read it)
        P("product", "category", "text", "category path (electronics.smartphone)",
          _sql("NULLIF(TRIM(p.category), '')"), join="products"),
        P("product", "category_id", "text", "category id", _sql("p.category_id"),
          join="products"),
        P("product", "brand", "text", "brand", _sql("p.brand"), join="products"),
        P("product", "name", "text", "product name", _sql("p.name"), join="products"),
        P("product", "list_price", "number", "list price", _sql("p.price"), join="products"),
        P("user", "country", "text", "country", _sql("u.country"), join="users"),
        P("user", "signup_date", "date", "signup date", _sql("u.signup_date"), join="users"),
        P("user", "first_seen", "datetime", "first event or order", _sql("u.first_seen"),
          join="users"),
        P("user", "cohort", "date", "month of the first purchase",
          _sql("CAST(DATE_TRUNC('month', fp.first_purchase) AS DATE)"),
          join="first_purchase"),
        P("user", "first_purchase_date", "date", "day of the first purchase",
          _sql("CAST(fp.first_purchase AS DATE)"), join="first_purchase"),
        P("session", "n_events", "number", "events in the session", _sql("s.n_events"),
          join="sessions"),
        P("session", "duration", "number", "seconds from first to last event",
          _sql("EXTRACT(EPOCH FROM s.session_end) - EXTRACT(EPOCH FROM s.session_start)"),
          join="sessions"),
        P("session", "start", "datetime", "session start", _sql("s.session_start"),
          join="sessions"),
        P("time", "weekday", "number", "1 Monday .. 7 Sunday", _part("ISODOW"), bounded=True),
        P("time", "hour", "number", "hour of day 0..23", _part("HOUR"), bounded=True),
        P("time", "day", "number", "day of month 1..31", _part("DAY"), bounded=True),
        P("time", "month", "number", "month 1..12", _part("MONTH"), bounded=True),
    ]


SEGMENT_PROPERTIES = (
    ("segment", "segment of the last `shoplens segments` run", "us.segment"),
    ("rfm_group", "RFM group of the last `shoplens segments` run", "us.rfm_segment"),
)


@dataclass(frozen=True)
class JsonKey:
    key: str
    numeric: bool


class Catalogue:
    """The properties of one database: the fixed ones plus what its data holds.

    Reads lazily and little: a sample of ``events.properties`` when a name is not a
    fixed property, and whether ``user_segments`` exists.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- what the data holds --------------------------------------------------------
    @functools.cached_property
    def json_keys(self) -> dict[str, JsonKey]:
        """Keys of ``events.properties`` in a sample of events, with their type."""
        rows = self.engine.fetch_all(
            f"SELECT properties FROM events WHERE properties IS NOT NULL LIMIT {SAMPLE_ROWS}")
        values: dict[str, list[Any]] = {}
        for (text,) in rows:
            try:
                doc = json.loads(text)
            except (TypeError, ValueError):
                continue
            if isinstance(doc, dict):
                for k, v in doc.items():
                    values.setdefault(str(k), []).append(v)
        return {k: JsonKey(k, _all_numbers(vs)) for k, vs in sorted(values.items())}

    @functools.cached_property
    def has_segments(self) -> bool:
        return self.engine.table_exists("user_segments")

    @functools.cached_property
    def has_taxonomy(self) -> bool:
        """Whether ``shoplens events categorize`` stored the event taxonomy."""
        return self.engine.table_exists("event_taxonomy")

    @functools.cached_property
    def event_names(self) -> dict[str, str | None]:
        """Every raw event name with the canonical type the importer gave all its events
        (None where it gave none or several). One scan of ``events``: read only when an
        event name is not found or the taxonomy is not stored."""
        rows = self.engine.fetch_all(
            "SELECT raw_event, MIN(event_type), COUNT(DISTINCT event_type), COUNT(*), "
            "COUNT(event_type) FROM events GROUP BY raw_event")
        return {str(r[0]): (str(r[1]) if r[2] == 1 and r[3] == r[4] else None) for r in rows}

    def has_event(self, raw: str) -> bool:
        """Whether some event has the raw name ``raw`` (stops at the first)."""
        if "event_names" in self.__dict__:
            return raw in self.event_names
        return bool(self.engine.fetch_all(
            "SELECT 1 FROM events WHERE raw_event = :n LIMIT 1", {"n": raw}))

    def taxonomy_in_memory(self) -> dict[str, tuple[str, str]]:
        """raw name -> (stage, action) by the rules alone, for a database whose
        taxonomy is not stored yet (the embedding and LLM layers are left to
        ``shoplens events categorize``)."""
        from shoplens.events import rules
        from shoplens.events.stages import ACTION_STAGE, EVENT_TYPE_ACTION

        out = {}
        for raw, event_type in self.event_names.items():
            m = rules.match_known(raw)
            if m is None and event_type in EVENT_TYPE_ACTION:
                action = EVENT_TYPE_ACTION[event_type]
            else:
                m = m or rules.match_keywords(raw)
                action = m.action if m is not None else "other"
            out[raw] = (ACTION_STAGE[action], action)
        return out

    @functools.cached_property
    def properties(self) -> dict[str, Property]:
        """Every property, by ``kind.name``."""
        out = {p.ref: p for p in _static()}
        if self.has_segments:
            for name, desc, sql in SEGMENT_PROPERTIES:
                out[f"user.{name}"] = Property("user", name, "text", desc, _sql(sql),
                                               join="segments")
        keys = self.json_keys
        for name, candidates in (("channel", CHANNEL_KEYS), ("device", DEVICE_KEYS)):
            key = next((k for k in candidates if k in keys), None)
            if key is not None:
                out[f"user.{name}"] = Property(
                    "user", name, "text", f"first touch: the user's first {key}",
                    _sql(f"ft_{name}.value"), join=f"first_touch:{name}:{key}")
        for key, info in keys.items():
            ref = f"event.{key}"
            if ref not in out:
                out[ref] = Property("event", key, "number" if info.numeric else "text",
                                    "events.properties key", _json_builder(key, info.numeric))
        return out

    def _fixed(self) -> dict[str, Property]:
        """The properties known without reading the events (no sample query)."""
        return {p.ref: p for p in _static()}

    # -- resolution -----------------------------------------------------------------
    def resolve(self, name: str, *, option: str = "property") -> Property:
        """The property ``name`` (``kind.name`` or a bare name) refers to.

        Raises
        ------
        ConfigError
            Unknown or ambiguous, naming the option and the closest known names.
        """
        name = name.strip()
        fixed = self._fixed()
        if name in fixed:
            return fixed[name]
        props = self.properties
        if name in props:
            return props[name]
        kind, dot, _rest = name.partition(".")
        if dot and kind in KINDS:
            raise ConfigError(f"{option}: unknown property {name!r}{_closest(name, props)}")
        matches = [p for p in props.values() if p.name == name]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            refs = ", ".join(sorted(p.ref for p in matches))
            raise ConfigError(f"{option}: {name!r} is ambiguous; say which: {refs}")
        raise ConfigError(f"{option}: unknown property {name!r}{_closest(name, props)}")

    def describe(self) -> list[dict[str, str]]:
        """Every property with its type and meaning (for ``--help`` texts and docs)."""
        return [{"property": p.ref, "type": p.type, "description": p.description}
                for p in self.properties.values()]


def _closest(name: str, props: Iterable[str]) -> str:
    refs = list(props)
    bare = {r.partition(".")[2]: r for r in refs}
    close = difflib.get_close_matches(name, refs, n=5, cutoff=0.5)
    close += [bare[b] for b in difflib.get_close_matches(name.partition(".")[2] or name,
                                                         list(bare), n=5, cutoff=0.6)]
    seen = list(dict.fromkeys(close))[:5]
    return f"; closest: {', '.join(seen)}" if seen else ""


def closest_names(name: str, names: Iterable[str], n: int = 5) -> list[str]:
    """The known names closest to ``name`` (for unknown-event errors)."""
    names = list(names)
    lowered = {x.lower(): x for x in names}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def _all_numbers(values: list[Any]) -> bool:
    seen = False
    for v in values:
        if v is None or v == "":
            continue
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float):
            seen = True
            continue
        try:
            float(str(v))
        except ValueError:
            return False
        seen = True
    return seen


# -- value checks ---------------------------------------------------------------------
def coerce_value(prop: Property, value: Any, *, option: str = "filter") -> Any:
    """A filter value as the property's type; a wrong type names property and type."""
    def bad() -> ConfigError:
        return ConfigError(f"{option}: {prop.ref} is a {prop.type} property; "
                           f"{value!r} is not a {prop.type}")

    if prop.type == "number":
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value))
        except ValueError:
            raise bad() from None
        return int(number) if number.is_integer() and "." not in str(value) else number
    if prop.type in ("date", "datetime"):
        if isinstance(value, bool | int | float):
            raise bad()
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise bad() from None
        return parsed.date() if prop.type == "date" else parsed
    if prop.type == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise bad()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


__all__ = ["CHANNEL_KEYS", "DEVICE_KEYS", "Catalogue", "Property", "closest_names",
           "coerce_value", "json_text"]
