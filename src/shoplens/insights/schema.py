"""The insight query model: one typed document per question a growth team asks.

Every insight ShopLens answers — trends, retention, lifecycle, stickiness, funnels and
paths — is a pydantic document of this module, in the spirit of PostHog's ``TrendsQuery``,
``RetentionQuery``, ``LifecycleQuery``, ``StickinessQuery``, ``FunnelsQuery`` and
``PathsQuery`` (``posthog/schema.py``). A document is validated here (shape, ranges,
combinations), resolved against the database's own vocabulary by
:mod:`shoplens.insights.properties`, planned (rollups or raw events) and compiled to SQL
by SQLGlot for the engine. The browser, the plain-language parser and the LLM path only
ever produce these documents: no SQL reaches the database from outside.

The building blocks (event and property references, filters, series, breakdowns,
durations, dates) are in :mod:`shoplens.insights.parts`; every name is importable from
here too.

Results (the JSON each runner returns, ``InsightResult.to_json()``)
--------------------------------------------------------------------
All: ``{"kind", "query": <this document>, "source": "rollups"|"raw"|"mixed", "sql": [..],
"date_from", "date_to", "notes": [..], ...}`` (``"mixed"``: a trends query whose series
were answered partly from rollups, partly from the raw events) plus, per kind:

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

from pydantic import Field, TypeAdapter, field_validator, model_validator

from shoplens.insights.parts import (
    PROPERTY_MATHS,
    Breakdown,
    DateRange,
    Duration,
    EventSeries,
    FilterGroup,
    Filters,
    Interval,
    Math,
    Operator,
    PropertyFilter,
    PropertyKind,
    Scalar,
    _Insight,
    _Model,
    as_group,
    parse_duration,
)

__all__ = [
    "KINDS",
    "PROPERTY_MATHS",
    "Breakdown",
    "DateRange",
    "Duration",
    "EventSeries",
    "FilterGroup",
    "Filters",
    "FunnelExclusion",
    "FunnelStep",
    "FunnelsQuery",
    "InsightQuery",
    "Interval",
    "LifecycleQuery",
    "Math",
    "Operator",
    "PathsQuery",
    "PropertyFilter",
    "PropertyKind",
    "RetentionQuery",
    "Scalar",
    "StickinessQuery",
    "TrendsQuery",
    "as_group",
    "parse_duration",
    "parse_query",
    "query_json_schema",
]


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
