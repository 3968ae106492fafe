"""The parts every insight query is built from: references, filters, series, breakdowns,
dates and durations (:mod:`shoplens.insights.schema` assembles them into queries).

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
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
