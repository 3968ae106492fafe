"""KPIs from :mod:`shoplens.metrics`: active users, revenue, conversion."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from shoplens.report.collectors import ReportContext, require
from shoplens.report.model import Kpi, KpiSection, Point


def metrics_result(ctx: ReportContext) -> Any:
    """``compute_metrics`` over the whole data with monthly revenue (computed once)."""
    if "metrics" not in ctx.cache:
        m = require("shoplens.metrics", "compute_metrics", "MetricsParams")
        ctx.cache["metrics"] = m.compute_metrics(ctx.engine, m.MetricsParams(grain="month",
                                                                             top_n=10))
    return ctx.cache["metrics"]


def full_periods(points: list[tuple[date, int]], start: date, end: date,
                 length: Any) -> list[tuple[date, int]]:
    """The periods that lie wholly inside ``[start, end]``; ``length(p)`` is the period's
    last day. A partial first or last period would understate its actives."""
    return [(p, v) for p, v in points if p >= start and length(p) <= end]


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def buyer_counts(ctx: ReportContext, start: date, end: date) -> tuple[int, int]:
    """Users active in ``[start, end]`` and those of them with a purchase there."""
    rows = ctx.engine.fetch_all(
        "SELECT COUNT(DISTINCT user_id), "
        "COUNT(DISTINCT CASE WHEN event_type = 'purchase' THEN user_id END) FROM events "
        "WHERE event_time >= :lo AND event_time < :hi",
        {"lo": datetime.combine(start, time.min),
         "hi": datetime.combine(end + timedelta(days=1), time.min)})
    return int(rows[0][0] or 0), int(rows[0][1] or 0)


def collect(ctx: ReportContext) -> KpiSection:
    r = metrics_result(ctx)
    if r.start is None or r.end is None:
        return KpiSection.unavailable("no data: no events to measure")
    days = (r.end - r.start).days + 1
    dau_by_day = {d.day: d.users for d in r.dau if r.start <= d.day <= r.end}
    dau_total = sum(dau_by_day.values())
    weeks = full_periods([(w.week, w.users) for w in r.wau], r.start, r.end,
                         lambda p: p + timedelta(days=6))
    months = full_periods([(m.month, m.users) for m in r.mau], r.start, r.end, _month_end)
    sticky = [s.stickiness for s in r.stickiness
              if s.stickiness is not None and s.month >= r.start and _month_end(s.month) <= r.end]
    session = next((f for f in r.funnel if f.level == "session"), None)
    user = next((f for f in r.funnel if f.level == "user"), None)
    aov = r.aov

    kpis = [
        # days without an event are days with 0 active users: divide by every day
        Kpi(key="dau", label="DAU (mean)", value=dau_total / days, unit="users",
            note=f"over {days} days"),
        Kpi(key="wau", label="WAU (mean)", value=_mean([v for _, v in weeks]), unit="users",
            note=f"{len(weeks)} full Monday weeks"),
        Kpi(key="mau", label="MAU (mean)", value=_mean([v for _, v in months]), unit="users",
            note=f"{len(months)} full months"),
        Kpi(key="stickiness", label="Stickiness DAU/MAU", value=_mean(sticky), unit="%",
            note="mean of full months"),
    ]
    if aov is not None:
        kpis += [
            Kpi(key="revenue", label="Net revenue", value=float(aov.net), unit="currency",
                note=f"gross {float(aov.gross):,.0f}, refunds {float(aov.refunds):,.0f}"),
            Kpi(key="orders", label="Orders", value=aov.orders, unit="orders"),
            Kpi(key="aov", label="Average order value",
                value=None if aov.aov is None else float(aov.aov), unit="currency"),
        ]
    if session is not None:
        kpis.append(Kpi(key="session_conversion", label="Session conversion",
                        value=session.view_to_purchase, unit="%",
                        note=f"view → purchase within {r.window_hours:g} h"))
    if user is not None:
        # not "viewers who purchased": the user funnel counts users whose first view falls
        # in the range and who bought within the window after that view
        kpis.append(Kpi(key="user_conversion", label=f"User funnel conversion ({r.window_hours:g} h)",
                        value=user.view_to_purchase, unit="%",
                        note=f"users whose first view is in the range and who bought within "
                             f"{r.window_hours:g} h of it"))
    active, buyers = buyer_counts(ctx, r.start, r.end)
    if active:
        kpis.append(Kpi(key="buyer_share", label="Buyers among active users",
                        value=buyers / active, unit="%",
                        note=f"{buyers:,} of {active:,} active users bought in the range"))

    by_month: dict[date, float] = defaultdict(float)
    by_category: dict[str, float] = defaultdict(float)
    for row in r.revenue_by_category:
        by_month[row.period] += float(row.revenue)
        by_category[row.category or "(no category)"] += float(row.revenue)
    return KpiSection(
        kpis=kpis,
        series={
            # every day of the range: a day without events had 0 active users
            "dau": [Point(x=r.start + timedelta(days=i), y=dau_by_day.get(
                r.start + timedelta(days=i), 0)) for i in range(days)],
            # full periods only: a week or month cut by the range would show a false dip
            "wau": [Point(x=p, y=v) for p, v in weeks],
            "mau": [Point(x=p, y=v) for p, v in months],
            "revenue_month": [Point(x=k, y=round(v, 4)) for k, v in sorted(by_month.items())],
        },
        revenue_by_category=[{"category": c, "revenue": round(v, 4)}
                             for c, v in sorted(by_category.items(), key=lambda kv: -kv[1])],
        top_products=[{"product_id": p.product_id, "name": p.name, "category": p.category,
                       "brand": p.brand,
                       "revenue": float(p.revenue), "units": p.units} for p in r.top_products],
        raw={"start": r.start.isoformat(), "end": r.end.isoformat(), "form": r.form,
             "window_hours": r.window_hours},
    )
