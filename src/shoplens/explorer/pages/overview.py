"""The overview page: the report's KPIs, live (loaded by ``/api/overview``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse

from shoplens.explorer.cache import cache_key
from shoplens.explorer.pages import Page

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer

TITLE = "Overview"
#: the same numbers as insights, with their SQL and every control
_DAU_LINK = "/trends?event=&math=unique_users&prop=&interval=day&from=all"
_REVENUE_LINK = "/trends?event=action:purchase&math=sum&prop=revenue&interval=month&from=all"
DESCRIPTION = "What the database holds and the shop's KPIs, as in `shoplens report`."


def handle(explorer: Explorer, request: Request) -> HTMLResponse:
    # no query here: the shell paints at once, /api/overview brings the numbers (or the
    # banner when the database cannot be read)
    return HTMLResponse(explorer.render("overview.html.j2", title=TITLE, description=DESCRIPTION))


def _compute(explorer: Explorer) -> dict[str, Any]:
    from shoplens.metrics.rollups import is_fresh
    from shoplens.report.collectors import ReportContext, kpis, overview

    with explorer.source.engine() as engine:
        ctx = ReportContext(engine=engine, out=Path("."))
        # the rollups when every load kept them current (both forms give the same
        # numbers); else the naive form, which reads the events only: the explorer never
        # (re)builds rollups, it never writes
        form = "optimized" if is_fresh(engine) else "naive"
        ctx.cache["metrics"] = _metrics(engine, form)
        ov = overview.collect(ctx)
        kp = kpis.collect(ctx) if ov.available else None
    counts = [(label, getattr(ov, key)) for key, label in (
        ("events", "Events"), ("users", "Users"), ("sessions", "Sessions"), ("products", "Products"),
        ("searches", "Searches"), ("loads", "Loads"),
        ("quarantined", "Quarantined rows"))]
    figures = []
    if kp is not None and kp.available:
        dau = kp.series.get("dau", [])
        figures.append({"title": "Daily active users", "explore": _DAU_LINK, "figure": {
            "data": [{"type": "scatter", "mode": "lines", "name": "DAU",
                      "x": [str(p.x) for p in dau], "y": [p.y for p in dau]}],
            "layout": {"template": "plotly_white", "height": 300,
                       "margin": {"l": 50, "r": 10, "t": 10, "b": 40}}}})
        rev = kp.series.get("revenue_month", [])
        figures.append({"title": "Revenue per month", "explore": _REVENUE_LINK, "figure": {
            "data": [{"type": "bar", "name": "revenue", "x": [str(p.x)[:7] for p in rev],
                      "y": [p.y for p in rev]}],
            "layout": {"template": "plotly_white", "height": 300, "xaxis": {"type": "category"},
                       "margin": {"l": 50, "r": 10, "t": 10, "b": 40}}}})
    types = sorted(ov.event_types.items(), key=lambda kv: -kv[1])
    return {
        "available": ov.available, "reason": ov.reason,
        "span": [ov.first_event.isoformat() if ov.first_event else None,
                 ov.last_event.isoformat() if ov.last_event else None, ov.days],
        "counts": counts,
        "kpis": [k.model_dump(mode="json") for k in (kp.kpis if kp and kp.available else [])],
        "event_types": types,
        "top_products": kp.top_products if kp and kp.available else [],
        "figures": figures, "form": form,
    }


def _metrics(engine: Any, form: str) -> Any:
    """``compute_metrics`` without its conversion funnel: the funnel reads every raw event
    (a minute on two million under load) and has its own page; active users and revenue
    come from the rollups in a second."""
    from shoplens.metrics import MetricsParams
    from shoplens.metrics.active_users import active_users
    from shoplens.metrics.compute import MetricsResult, resolve_range
    from shoplens.metrics.params import bind_values
    from shoplens.metrics.revenue import revenue

    params = MetricsParams(grain="month", top_n=10, form=form)
    start, end = resolve_range(engine, params)
    result = MetricsResult(engine=engine.name, form=params.form, start=start, end=end,
                           grain=params.grain, window_hours=params.window_hours)
    if start is None or end is None:
        return result
    values = bind_values(params, start, end)
    return result.model_copy(update={**active_users(engine, values, params.form),
                                     **revenue(engine, values, params.form)})


def overview_data(explorer: Explorer) -> tuple[dict[str, Any], bool]:
    """The overview's numbers (cached by data version) and whether they came from cache."""
    key = cache_key("overview", None, explorer.source.version())
    return explorer.cache.get_or_compute(key, lambda: _compute(explorer))


PAGE = Page(key="overview", title=TITLE, handler=handle, description=DESCRIPTION)
