"""The insight query model: one typed document per question a growth team asks.

Every insight ShopLens answers — trends, retention, lifecycle, stickiness, funnels and
paths — is a pydantic document of this module, in the spirit of PostHog's ``TrendsQuery``,
``RetentionQuery``, ``LifecycleQuery``, ``StickinessQuery``, ``FunnelsQuery`` and
``PathsQuery`` (``posthog/schema.py``). A document is validated here (shape, ranges,
combinations), resolved against the database's own vocabulary by
:mod:`shoplens.insights.properties`, planned (rollups or raw events) and compiled to SQL
by SQLGlot for the engine. The browser, the plain-language parser and the LLM path only
ever produce these documents: no SQL reaches the database from outside.

Building blocks
---------------
Event reference (``EventSeries.event``, funnel steps, path start/end)
    ``None`` or ``"*"``: any event. ``"payment_done"``: the raw event name as the tracker
    wrote it (``events.raw_event``). ``"action:purchase"``: a canonical action of the
    event taxonomy (:mod:`shoplens.events.stages`; ``view``, ``cart``, ``remove``,
    ``purchase``, ``refund``, ``checkout`` ...), so every tracker's spelling counts.
    ``"stage:conversion"``: a journey stage (``browse``, ``consideration``, ``removal``,
    ``checkout``, ``conversion``, ``other``).
Property reference (filters, breakdowns, math properties)
    ``"<kind>.<name>"`` with kind ``event``, ``user``, ``session``, ``product`` or
    ``time``: ``event.price``, ``event.utm_source`` (any key of ``events.properties``),
    ``product.category``, ``product.brand``, ``user.country``, ``user.channel``,
    ``user.segment``, ``user.rfm_group``, ``user.cohort``, ``session.n_events``,
    ``time.weekday``, ``time.hour``. A bare name (``country``) is resolved to the one kind
    that has it; an ambiguous or unknown name is an error listing the closest names.
    ``revenue`` (``event.revenue``) is the signed line value: price paid (else the list
    price) times quantity, negative for refunds.
Durations
    ``"30s"``, ``"10m"``, ``"2h"``, ``"14d"``, ``"2w"`` (see :func:`parse_duration`).
Dates
    ``DateRange.date_from``/``date_to``: ISO dates or times, relative ``"-30d"``,
    ``"-2w"``, ``"-3m"``, ``"-1y"``, or ``"today"``, ``"yesterday"``, ``"this week"``,
    ``"last week"``, ``"this month"``, ``"last month"``, ``"this quarter"``,
    ``"last quarter"``, ``"this year"``, ``"last year"``, ``"all"``. Relative dates count
    back from the last day with data (a shop's export is not live), unless ``anchor`` is
    ``"today"``.

Results (the JSON each runner returns, ``InsightResult.to_json()``)
--------------------------------------------------------------------
All: ``{"kind", "query": <this document>, "source": "rollups"|"raw", "sql": [..],
"date_from", "date_to", "notes": [..], ...}`` plus, per kind:

- trends: ``"series": [{"label", "event", "math", "breakdown_value": str|list|None,
  "points": [{"date", "value"}], "total", "compare": bool}]``
- lifecycle: ``"points": [{"date", "new", "returning", "resurrecting", "dormant"}]``
  (dormant counted negative)
- stickiness: ``"series": [{"label", "breakdown_value", "points": [{"intervals", "users",
  "share"}]}]``
- retention: ``"cohorts": [{"cohort", "breakdown_value", "size", "values": [..]}]`` with
  ``values[k]`` the count (or revenue) returning in period k, and ``"rates"`` alike.
- funnels: ``"steps": [{"name", "count", "conversion_from_previous",
  "conversion_from_start", "median_seconds_from_previous"}]``, ``"breakdowns": [{
  "breakdown_value", "steps": [...]}]``; trends view ``"points"``; time to convert
  ``"histogram"``.
- paths: ``"paths": [{"path": [..], "count"}]``, ``"links": [{"source", "target",
  "step", "count"}]``, ``"dropoffs"``, ``"step_matrix"``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

Scalar = str | int | float | bool
Interval = Literal["hour", "day", "week", "month", "quarter"]
Operator = Literal[
    "eq", "neq", "in", "not_in", "contains", "not_contains", "regex", "not_regex",
    "gt", "gte", "lt", "lte", "is_set", "is_not_set",
]
Math = Literal[
    "total",            # event count
    "unique_users",     # distinct users
    "unique_sessions",  # distinct sessions
    "sum", "avg", "median", "p90", "min", "max",  # of math_property
    "per_user_avg",     # events per user (or math_property summed per user), averaged
]
PROPERTY_MATHS = frozenset({"sum", "avg", "median", "p90", "min", "max"})
PropertyKind = Literal["event", "user", "session", "product", "time"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_EVENT_PREFIXES = ("action:", "stage:")


def parse_duration(text: str | int | float) -> int:
    """Seconds in ``"30s"``, ``"10m"``, ``"2h"``, ``"14d"`` or ``"2w"`` (a number is seconds)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = int(text)
    else:
        m = _DURATION.match(str(text))
        if not m:
            raise ValueError(f"{text!r} is not a duration: use e.g. 30s, 10m, 2h, 14d or 2w")
        seconds = round(float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()])
    if seconds <= 0:
        raise ValueError(f"{text!r}: a duration must be positive")
    if seconds > 366 * 86400 * 5:
        raise ValueError(f"{text!r}: a duration must be at most 5 years")
    return seconds


Duration = Annotated[str, Field(description="e.g. 30s, 10m, 2h, 14d, 2w")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- filters ---------------------------------------------------------------------------
class PropertyFilter(_Model):
    """One condition on a property, e.g. ``{"property": "user.country", "value": "FR"}``."""

    type: Literal["property"] = "property"
    property: str = Field(min_length=1, max_length=200)
    operator: Operator = "eq"
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> PropertyFilter:
        op, v = self.operator, self.value
        if op in ("is_set", "is_not_set"):
            if v is not None:
                raise ValueError(f"operator {op!r} takes no value")
        elif op in ("in", "not_in"):
            if not isinstance(v, list) or not v:
                raise ValueError(f"operator {op!r} needs a non-empty list of values")
            if len(v) > 10_000:
                raise ValueError(f"operator {op!r}: at most 10,000 values")
        elif v is None or isinstance(v, list):
            raise ValueError(f"operator {op!r} needs one value")
        if op in ("regex", "not_regex"):
            try:
                re.compile(str(v))
            except re.error as exc:
                raise ValueError(f"{v!r} is not a regular expression: {exc}") from None
        if op in ("contains", "not_contains", "regex", "not_regex") and not isinstance(v, str):
            raise ValueError(f"operator {op!r} needs a text value")
        return self


class FilterGroup(_Model):
    """Filters joined by AND or OR; groups nest."""

    type: Literal["and", "or"] = "and"
    filters: list[PropertyFilter | FilterGroup] = Field(default_factory=list, max_length=100)


Filters = FilterGroup | list[PropertyFilter]


def as_group(filters: Filters | None) -> FilterGroup:
    """Any accepted filter form as one AND group."""
    if filters is None:
        return FilterGroup()
    return filters if isinstance(filters, FilterGroup) else FilterGroup(filters=list(filters))


# -- series, breakdowns, dates -------------------------------------------------------------
class EventSeries(_Model):
    """Which events to count and how (one line of a trends chart, one funnel step)."""

    event: str | None = Field(None, max_length=200,
                              description="raw name, action:NAME, stage:NAME, or None/* for any")
    name: str | None = Field(None, max_length=200, description="label shown for the series")
    math: Math = "total"
    math_property: str | None = Field(None, max_length=200)
    filters: list[PropertyFilter | FilterGroup] = Field(default_factory=list, max_length=100)
    rolling_days: int | None = Field(
        None, ge=2, le=366, description="trends at a day interval: each day's value over the "
        "N days ending on it (7 with unique_users: rolling weekly actives)")

    @field_validator("event")
    @classmethod
    def _event_ref(cls, v: str | None) -> str | None:
        if v is None or v.strip() in ("", "*"):
            return None
        for prefix in _EVENT_PREFIXES:
            if v.startswith(prefix) and not v[len(prefix):].strip():
                raise ValueError(f"{v!r}: name the {prefix[:-1]} after the colon")
        return v

    @model_validator(mode="after")
    def _math_property(self) -> EventSeries:
        if self.math in PROPERTY_MATHS and not self.math_property:
            raise ValueError(f"math {self.math!r} needs math_property (e.g. revenue, price)")
        if self.math in ("total", "unique_users", "unique_sessions") and self.math_property:
            raise ValueError(f"math {self.math!r} takes no math_property")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        what = self.event or "any event"
        if self.math == "total":
            return what
        prop = f"({self.math_property})" if self.math_property else ""
        return f"{what} · {self.math}{prop}"


class Breakdown(_Model):
    """Split results by the values of one property."""

    property: str = Field(min_length=1, max_length=200)
    limit: int = Field(10, ge=1, le=1000, description="top values kept; the rest is 'other'")
    bins: int | list[float] | None = Field(None, description="numeric bins: a count or edges")
    hide_other: bool = False
    rank_by: Literal["events", "value"] = Field(
        "events", description="trends: keep the top values by number of events, or by the "
        "series' own value over the range (math total or sum: top products by revenue)")

    @field_validator("bins")
    @classmethod
    def _bins(cls, v: int | list[float] | None) -> int | list[float] | None:
        if isinstance(v, int) and not 2 <= v <= 100:
            raise ValueError("bins must be between 2 and 100")
        if isinstance(v, list) and (len(v) < 2 or sorted(v) != v or len(set(v)) != len(v)):
            raise ValueError("bin edges must be at least two increasing numbers")
        return v


class DateRange(_Model):
    date_from: str | None = Field(None, max_length=40, description="ISO date, -30d, 'this month'...")
    date_to: str | None = Field(None, max_length=40)
    anchor: Literal["data", "today"] = "data"
    timezone: str = Field("UTC", max_length=64)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name like Europe/Paris)") from None
        return v


class _Insight(_Model):
    date_range: DateRange = Field(default_factory=DateRange)
    filters: list[PropertyFilter | FilterGroup] = Field(default_factory=list, max_length=100,
                                                        description="apply to every series")


# -- insights ---------------------------------------------------------------------------------
class TrendsQuery(_Insight):
    """Series over time: counts, users, sums of a property, formulas between series."""

    kind: Literal["trends"] = "trends"
    series: list[EventSeries] = Field(min_length=1, max_length=20)
    interval: Interval = "day"
    breakdowns: list[Breakdown] = Field(default_factory=list, max_length=3)
    formula: str | None = Field(None, max_length=200, description="over series letters: A / B")
    compare: bool = Field(False, description="add the previous period of the same length")
    cumulative: bool = False
    display: Literal["series", "total"] = Field(
        "series", description="total: one value per series over the whole date range "
        "(each user or session counted once), as PostHog's number display")

    @field_validator("formula")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-T0-9\s+\-*/().]+", v):
            raise ValueError(f"formula {v!r}: use series letters A-T, numbers, + - * / and ()")
        return v

    @model_validator(mode="after")
    def _rank_and_rolling(self) -> TrendsQuery:
        if any(b.rank_by == "value" for b in self.breakdowns) and any(
                s.math not in ("total", "sum") for s in self.series):
            raise ValueError("breakdowns.rank_by 'value' needs math total or sum in every series")
        if any(s.rolling_days for s in self.series) and (
                self.interval != "day" or self.display != "series"):
            raise ValueError("series.rolling_days needs interval 'day' and display 'series'")
        return self


class RetentionQuery(_Insight):
    """Of the users who did the start event in a period, who did the return event later.

    The cohort-matrix options (all defaulted to PostHog's behaviour; see
    :mod:`shoplens.insights.retention` for the definitions): ``cohort_by="signup"``
    enters users on their signup day; ``offset_period`` steps the columns in another
    unit than the cohorts' width, counted from each member's own entry day;
    ``measure="orders"`` counts distinct purchase times; ``accumulation`` chooses
    per-period, on-or-after or up-to cells; ``censoring="observed"`` treats the date
    range as the data's observed window.
    """

    kind: Literal["retention"] = "retention"
    start_event: EventSeries = Field(default_factory=EventSeries)
    return_event: EventSeries = Field(default_factory=EventSeries)
    period: Literal["day", "week", "month"] = "week"
    total_intervals: int = Field(8, ge=1, le=400)
    retention_type: Literal["first_time", "recurring"] = "first_time"
    measure: Literal["users", "orders", "revenue"] = "users"
    cumulative: bool = False
    breakdowns: list[Breakdown] = Field(default_factory=list, max_length=1)
    cohort_by: Literal["start_event", "signup"] = Field(
        "start_event", description="signup: users.signup_date, else first_seen, else the "
        "first start event")
    offset_period: Literal["day", "week", "month"] | None = Field(
        None, description="the columns' step (default: period), from each entry's day")
    accumulation: Literal["period", "on_or_after", "up_to"] | None = Field(
        None, description="cells: in period k, in k or later, in 0..k (default: from "
        "cumulative: on_or_after for users, up_to for orders and revenue)")
    censoring: Literal["started", "observed"] = Field(
        "started", description="started: cohorts of the range, a cell shown once its "
        "period began; observed: the range is the observed window, every earlier entry is "
        "a cohort and a cell needs its periods wholly inside the window for every member")

    @model_validator(mode="after")
    def _cohort_options(self) -> RetentionQuery:
        if self.cohort_by == "signup" and self.retention_type != "first_time":
            raise ValueError("cohort_by 'signup' enters each user once: use retention_type "
                             "'first_time'")
        if self.cohort_by == "signup" and self.breakdowns:
            raise ValueError("cohort_by 'signup' cannot be broken down (a signup has no "
                             "event properties)")
        return self

    @property
    def offset_unit(self) -> str:
        """The columns' step with the default resolved."""
        return self.offset_period or self.period

    @property
    def cells(self) -> str:
        """``period``, ``on_or_after`` or ``up_to`` with the default resolved."""
        if self.accumulation is not None:
            return self.accumulation
        if not self.cumulative:
            return "period"
        return "on_or_after" if self.measure == "users" else "up_to"


class LifecycleQuery(_Insight):
    """New / returning / resurrecting / dormant users per interval (PostHog's definitions:
    new = first activity ever in this interval; dormant counted negative)."""

    kind: Literal["lifecycle"] = "lifecycle"
    series: EventSeries = Field(default_factory=EventSeries)
    interval: Literal["day", "week", "month"] = "week"


class StickinessQuery(_Insight):
    """How many users were active in exactly 1, 2, ... N intervals of the range."""

    kind: Literal["stickiness"] = "stickiness"
    series: list[EventSeries] = Field(default_factory=lambda: [EventSeries()], min_length=1,
                                      max_length=10)
    interval: Literal["day", "week", "month"] = "day"
    breakdowns: list[Breakdown] = Field(default_factory=list, max_length=1)


class FunnelStep(EventSeries):
    """A funnel step: a series plus an optional window since the previous step."""

    window: Duration | None = Field(None, description="max time since the previous step")
    optional: bool = False

    @field_validator("window")
    @classmethod
    def _window(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v


class FunnelExclusion(_Model):
    event: str = Field(min_length=1, max_length=200)
    filters: list[PropertyFilter | FilterGroup] = Field(default_factory=list)
    from_step: int = Field(0, ge=0)
    to_step: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _steps(self) -> FunnelExclusion:
        if self.to_step <= self.from_step:
            raise ValueError("an exclusion's to_step must be after its from_step")
        return self


class FunnelsQuery(_Insight):
    kind: Literal["funnels"] = "funnels"
    steps: list[FunnelStep] = Field(min_length=2, max_length=20)
    window: Duration = "14d"
    order: Literal["ordered", "strict", "any"] = "ordered"
    exclusions: list[FunnelExclusion] = Field(default_factory=list, max_length=20)
    count_by: Literal["users", "sessions"] = "users"
    breakdowns: list[Breakdown] = Field(default_factory=list, max_length=1)
    attribution: Literal["first_touch", "last_touch", "step"] = "first_touch"
    attribution_step: int | None = Field(None, ge=0)
    view: Literal["steps", "trends", "time_to_convert"] = "steps"
    trend_interval: Literal["day", "week", "month"] = "week"
    from_step: int = Field(0, ge=0, description="time to convert: from this step")
    to_step: int | None = Field(None, ge=1, description="time to convert: to this step (last)")

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        parse_duration(v)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> FunnelsQuery:
        n = len(self.steps)
        if self.steps[0].optional:
            raise ValueError("the first funnel step cannot be optional")
        for ex in self.exclusions:
            if ex.to_step >= n:
                raise ValueError(f"exclusion to_step {ex.to_step} is past the last step ({n - 1})")
        if self.attribution == "step" and (self.attribution_step is None
                                           or self.attribution_step >= n):
            raise ValueError("attribution 'step' needs attribution_step within the steps")
        if self.to_step is not None and not self.from_step < self.to_step < n:
            raise ValueError("time to convert needs from_step < to_step < number of steps")
        return self


class PathsQuery(_Insight):
    kind: Literal["paths"] = "paths"
    level: Literal["event", "stage", "category", "page"] = "event"
    page_property: str | None = Field(None, description="event property holding URL/screen")
    start: str | None = Field(None, max_length=200, description="paths starting at this event")
    end: str | None = Field(None, max_length=200, description="paths ending at this event")
    steps: int = Field(5, ge=2, le=20)
    exclude: list[str] = Field(default_factory=list, max_length=100)
    collapse_repeats: bool = True
    groupings: list[str] = Field(default_factory=list, max_length=50,
                                 description="wildcards grouping names, e.g. product*")
    top_n: int = Field(20, ge=1, le=1000)
    session_gap: Duration = "30m"


InsightQuery = Annotated[
    TrendsQuery | RetentionQuery | LifecycleQuery | StickinessQuery | FunnelsQuery | PathsQuery,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(InsightQuery)
KINDS: tuple[str, ...] = ("trends", "retention", "lifecycle", "stickiness", "funnels", "paths")


def parse_query(doc: dict[str, Any] | str | bytes) -> InsightQuery:
    """Validate a query document (a dict or JSON text); raises ``pydantic.ValidationError``."""
    if isinstance(doc, str | bytes):
        return _ADAPTER.validate_json(doc)
    return _ADAPTER.validate_python(doc)


def query_json_schema() -> dict[str, Any]:
    """The JSON schema of every query document (``shoplens query --schema``)."""
    return _ADAPTER.json_schema()
