"""The metrics capability's entry point: :func:`compute_metrics`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from shoplens.engines import Engine
from shoplens.metrics import rollups
from shoplens.metrics.active_users import (
    DailyActive,
    MonthlyActive,
    RollingActive,
    Stickiness,
    WeeklyActive,
    active_users,
)
from shoplens.metrics.funnel import FunnelStep, funnel
from shoplens.metrics.params import Form, Grain, MetricsParams, bind_values
from shoplens.metrics.revenue import (
    CategoryRevenue,
    OrderValue,
    TopBrand,
    TopCategory,
    TopProduct,
    revenue,
)


class MetricsResult(BaseModel):
    """Every metric over one range; field names are the keys of ``shoplens metrics --json``."""

    engine: str
    form: Form
    start: date | None = Field(description="first day of the range (None: no data)")
    end: date | None
    grain: Grain
    window_hours: float
    dau: list[DailyActive] = Field(default_factory=list)
    wau: list[WeeklyActive] = Field(default_factory=list)
    mau: list[MonthlyActive] = Field(default_factory=list)
    rolling_active: list[RollingActive] = Field(default_factory=list)
    stickiness: list[Stickiness] = Field(default_factory=list)
    revenue_by_category: list[CategoryRevenue] = Field(default_factory=list)
    aov: OrderValue | None = None
    top_products: list[TopProduct] = Field(default_factory=list)
    top_categories: list[TopCategory] = Field(default_factory=list)
    top_brands: list[TopBrand] = Field(default_factory=list)
    funnel: list[FunnelStep] = Field(default_factory=list)


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def data_span(engine: Engine, form: Form) -> tuple[date | None, date | None]:
    """First and last day with an event (from the rollups in the optimized form)."""
    if form == "optimized":
        sql = ("SELECT MIN(period), MAX(period) FROM rollup_active_counts "
               "WHERE grain = 'day'")
    else:
        sql = "SELECT MIN(event_time), MAX(event_time) FROM events"
    ((lo, hi),) = engine.fetch_all(sql)
    return _day(lo), _day(hi)


def resolve_range(engine: Engine, params: MetricsParams) -> tuple[date | None, date | None]:
    """The range's first and last day, defaulting to the span of the data."""
    if params.start is not None and params.end is not None:
        return params.start, params.end
    lo, hi = data_span(engine, params.form)
    start = params.start or lo
    end = params.end or hi
    if start is None or end is None:
        return params.start, params.end
    return start, end


def prepare(engine: Engine, params: MetricsParams) -> None:
    """Make the optimized form's rollups current (no-op for the naive form)."""
    if params.form == "optimized":
        rollups.ensure_fresh(engine)


def compute_metrics(engine: Engine, params: MetricsParams | None = None) -> MetricsResult:
    """Compute every metric over a range of days.

    Parameters
    ----------
    engine
        A connected engine with the ShopLens schema.
    params
        Range, revenue grain, conversion window, top-list length and query form.

    Returns
    -------
    MetricsResult
        Active users (``dau``, ``wau``, ``mau``, ``rolling_active``, ``stickiness``),
        revenue (``revenue_by_category``, ``aov``, ``top_products``, ``top_categories``,
        ``top_brands``) and the ``funnel``.

    Notes
    -----
    The exact definitions are in :func:`shoplens.metrics.active_users.active_users`,
    :func:`shoplens.metrics.revenue.revenue` and :func:`shoplens.metrics.funnel.funnel`.
    A range is a set of whole UTC days ``[start, end]``; series metrics report every
    period overlapping it, each over the whole period, while totals (order value, top
    lists, funnel entries) count only the range's days. The optimized form first makes
    sure the rollups cover every event (see :func:`shoplens.metrics.rollups.ensure_fresh`);
    both forms return identical numbers.
    """
    params = params or MetricsParams()
    prepare(engine, params)
    start, end = resolve_range(engine, params)
    result = MetricsResult(engine=engine.name, form=params.form, start=start, end=end,
                           grain=params.grain, window_hours=params.window_hours)
    if start is None or end is None:
        return result
    values = bind_values(params, start, end)
    parts: dict = {}
    parts.update(active_users(engine, values, params.form))
    parts.update(revenue(engine, values, params.form))
    parts["funnel"] = funnel(engine, values, params.form)
    return result.model_copy(update=parts)
