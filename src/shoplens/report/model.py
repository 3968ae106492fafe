"""Every number the report shows, as typed data.

:class:`ReportData` holds one section per capability. A section is either available,
with its numbers, or unavailable with the reason (the capability is not installed yet,
raised an error, or the data holds nothing it could measure). The HTML page, the PDF
and ``results.json`` are all rendered from one ``ReportData``: nothing is computed in a
template, so every number a reader sees is also in ``results.json``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """Common fields of a report section."""

    model_config = ConfigDict(extra="forbid")

    available: bool = True
    #: why the section is empty: "not available yet: ...", "failed: ...", "no data: ..."
    reason: str | None = None
    #: one-line reading per chart (chart key -> sentence derived from the numbers)
    readings: dict[str, str] = Field(default_factory=dict)
    #: PNG file names (relative to the report folder) per chart key
    charts: dict[str, str] = Field(default_factory=dict)
    #: seconds spent collecting the section
    seconds: float | None = None

    @classmethod
    def unavailable(cls, reason: str) -> Self:
        return cls(available=False, reason=reason)


# -- overview -------------------------------------------------------------------------
class Overview(Section):
    users: int | None = None
    products: int | None = None
    sessions: int | None = None
    events: int | None = None
    orders: int | None = None
    searches: int | None = None
    #: rows the importer rejected (with file, line, field and reason in ``quarantine``)
    quarantined: int | None = None
    loads: int | None = None
    first_event: datetime | None = None
    last_event: datetime | None = None
    days: int | None = None
    #: events per canonical type ("unknown" for NULL)
    event_types: dict[str, int] = Field(default_factory=dict)


# -- KPIs -----------------------------------------------------------------------------
class Point(BaseModel):
    x: date | str
    y: float | None


class Kpi(BaseModel):
    key: str
    label: str
    value: float | None
    unit: str = ""  # "", "%", "currency", "users", "orders"
    note: str | None = None


class KpiSection(Section):
    kpis: list[Kpi] = Field(default_factory=list)
    #: time series by key (dau, wau, mau, revenue_month, ...)
    series: dict[str, list[Point]] = Field(default_factory=dict)
    revenue_by_category: list[dict[str, Any]] = Field(default_factory=list)
    top_products: list[dict[str, Any]] = Field(default_factory=list)
    #: the metrics capability's own document, unchanged
    raw: dict[str, Any] = Field(default_factory=dict)


# -- benchmark ------------------------------------------------------------------------
class BenchRow(BaseModel):
    metric: str
    engine: str
    naive_ms: float | None
    optimized_ms: float | None
    speedup: float | None
    rows_equal: bool | None
    naive_p95_ms: float | None = None
    optimized_p95_ms: float | None = None


class BenchmarkSection(Section):
    rows: list[BenchRow] = Field(default_factory=list)
    events: int | None = None
    repeat: int | None = None
    notes: list[str] = Field(default_factory=list)


# -- cohorts --------------------------------------------------------------------------
class CohortRow(BaseModel):
    cohort: str
    size: int
    #: fraction per offset; None = not observable yet (censored), never 0
    values: list[float | None]


class CohortSection(Section):
    cohort_by: str | None = None
    period: str | None = None
    offset_unit: str | None = None
    measure: str | None = None
    cohorts: list[CohortRow] = Field(default_factory=list)
    #: size-weighted mean over the cohorts that can observe each offset
    average: list[float | None] = Field(default_factory=list)
    #: where signup cohorts fell back to first activity, said by the cohorts capability
    note: str | None = None


# -- growth (insight queries) -----------------------------------------------------------
class BreakdownRow(BaseModel):
    value: str | None
    revenue: float | None = None
    buyers: int | None = None


class LifecyclePoint(BaseModel):
    date: str
    new: int
    returning: int
    resurrecting: int
    dormant: int  # negative


class StickinessPoint(BaseModel):
    intervals: int
    users: int
    share: float | None = None


class RetentionRow(BaseModel):
    value: str | None
    size: int
    #: size-weighted rates per period (period 0 first); None = not observable yet
    rates: list[float | None] = Field(default_factory=list)


class GrowthSection(Section):
    """Breakdowns, lifecycle and stickiness from the insight queries (shoplens.insights)."""

    by_country: list[BreakdownRow] = Field(default_factory=list)
    by_channel: list[BreakdownRow] = Field(default_factory=list)
    retention_by_channel: list[RetentionRow] = Field(default_factory=list)
    retention_period: str | None = None
    lifecycle: list[LifecyclePoint] = Field(default_factory=list)
    lifecycle_interval: str | None = None
    #: the data's last day: a last interval ending after it is partial
    lifecycle_until: str | None = None
    stickiness: list[StickinessPoint] = Field(default_factory=list)
    stickiness_note: str | None = None


# -- funnel and paths -----------------------------------------------------------------
class FunnelStep(BaseModel):
    stage: str
    count: int
    #: share of the previous step / of the first step (fractions)
    from_previous: float | None
    from_first: float | None


class FunnelSection(Section):
    basis: str | None = None  # "sessions" or "users"
    steps: list[FunnelStep] = Field(default_factory=list)
    cart_abandonment: float | None = None
    window_hours: float | None = None
    #: the same funnel per user (view -> cart -> purchase)
    user_steps: list[FunnelStep] = Field(default_factory=list)
    #: journey stages from event analysis (browse -> consideration -> checkout -> conversion)
    stage_steps: list[FunnelStep] = Field(default_factory=list)
    source: str | None = None  # which capability computed it


class PathRow(BaseModel):
    path: list[str]
    count: int
    share: float | None = None


class PathsSection(Section):
    paths: list[PathRow] = Field(default_factory=list)
    total_sessions: int | None = None
    behaviours: list[dict[str, Any]] = Field(default_factory=list)
    #: the sankey of session paths (:func:`shoplens.insights.paths.run_paths` links:
    #: ``{"step", "source", "target", "count"}``) and what it counts
    sankey: list[dict[str, Any]] = Field(default_factory=list)
    sankey_note: str | None = None


# -- segments -------------------------------------------------------------------------
class SegmentRow(BaseModel):
    name: str
    size: int
    share: float | None = None
    revenue_share: float | None = None
    #: the features where it differs most from everyone: feature -> z-score
    traits: dict[str, float] = Field(default_factory=dict)
    #: the traits in words, as the segmentation derived them
    description: str | None = None
    top_queries: list[str] = Field(default_factory=list)


class RfmRow(BaseModel):
    segment: str
    users: int
    share: float | None = None
    revenue_share: float | None = None


class SegmentSection(Section):
    method: str | None = None
    k: int | None = None
    #: how k was chosen (silhouette, davies_bouldin, bic, ...) and the chosen k's score
    k_criterion: str | None = None
    k_score: float | None = None
    users: int | None = None
    segments: list[SegmentRow] = Field(default_factory=list)
    rfm: list[RfmRow] = Field(default_factory=list)
    search: dict[str, Any] = Field(default_factory=dict)


# -- customer value ahead -------------------------------------------------------------
class ClvSection(Section):
    """BG/NBD or Pareto/NBD with Gamma-Gamma (:mod:`shoplens.clv`): the capability's
    JSON document, with the tables the page shows."""

    model: str | None = None
    time_unit: str | None = None
    horizon_days: float | None = None
    as_of: date | None = None
    params: list[dict[str, Any]] = Field(default_factory=list)
    totals: dict[str, Any] = Field(default_factory=dict)
    validation: dict[str, Any] | None = None
    at_risk: list[dict[str, Any]] = Field(default_factory=list)
    by_segment: list[dict[str, Any]] = Field(default_factory=list)
    by_rfm: list[dict[str, Any]] = Field(default_factory=list)
    p_alive_matrix: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    index: dict[str, Any] | None = None


# -- insights -------------------------------------------------------------------------
class Insight(BaseModel):
    title: str
    finding: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    recommendation: str | None = None
    priority: str | None = None
    expected_impact: str | None = None


class InsightSection(Section):
    provider: str | None = None
    model: str | None = None
    insights: list[Insight] = Field(default_factory=list)
    taxonomy: list[dict[str, Any]] = Field(default_factory=list)


# -- alerts ---------------------------------------------------------------------------
class AlertSection(Section):
    """Anomalies of the key metrics over the last weeks (:mod:`shoplens.alerts`)."""

    since: str | None = None
    date_to: str | None = None
    sensitivity: str | None = None
    fired: bool = False
    #: ``AlertReport.to_dict()``'s lists, unchanged
    metrics: list[dict[str, Any]] = Field(default_factory=list)
    anomalies: list[dict[str, Any]] = Field(default_factory=list)
    data_quality: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


# -- the whole report -----------------------------------------------------------------
SECTION_KEYS = ("overview", "kpis", "benchmark", "cohorts", "growth", "funnel", "paths",
                "segments", "insights", "clv", "alerts")


class StageTiming(BaseModel):
    name: str
    status: str  # ok | failed | skipped
    seconds: float
    detail: str | None = None


class ReportData(BaseModel):
    """Everything the report shows; ``results.json`` is its JSON form."""

    model_config = ConfigDict(extra="forbid")

    title: str = "ShopLens report"
    generated_at: datetime
    database: str
    engine: str
    overview: Overview = Field(default_factory=lambda: Overview.unavailable("not collected"))
    kpis: KpiSection = Field(default_factory=lambda: KpiSection.unavailable("not collected"))
    benchmark: BenchmarkSection = Field(
        default_factory=lambda: BenchmarkSection.unavailable("not collected"))
    cohorts: CohortSection = Field(default_factory=lambda: CohortSection.unavailable("not collected"))
    growth: GrowthSection = Field(default_factory=lambda: GrowthSection.unavailable("not collected"))
    funnel: FunnelSection = Field(default_factory=lambda: FunnelSection.unavailable("not collected"))
    paths: PathsSection = Field(default_factory=lambda: PathsSection.unavailable("not collected"))
    segments: SegmentSection = Field(
        default_factory=lambda: SegmentSection.unavailable("not collected"))
    insights: InsightSection = Field(
        default_factory=lambda: InsightSection.unavailable("not collected"))
    clv: ClvSection = Field(default_factory=lambda: ClvSection.unavailable("not collected"))
    alerts: AlertSection = Field(default_factory=lambda: AlertSection.unavailable("not collected"))
    #: the demo's stages, when the report was built by ``shoplens demo``
    stages: list[StageTiming] = Field(default_factory=list)

    def section(self, key: str) -> Section:
        return getattr(self, key)
