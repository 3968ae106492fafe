"""Growth views from the insight queries (:mod:`shoplens.insights`): revenue and buyers
by country and by acquisition channel, retention by channel, the weekly lifecycle and
the stickiness distribution of the last 28 days."""

from __future__ import annotations

from typing import Any

from shoplens.errors import ConfigError
from shoplens.report.collectors import ReportContext
from shoplens.report.model import (
    BreakdownRow,
    GrowthSection,
    LifecyclePoint,
    RetentionRow,
    StickinessPoint,
)

TOP = 8


def _by(engine: Any, prop: str) -> list[BreakdownRow]:
    import shoplens as sl

    # net revenue: purchases and refunds (the events with a revenue), refunds negative
    revenue = sl.trends(engine, math="sum", math_property="revenue", where="revenue is set",
                        breakdown=prop, breakdown_limit=TOP, interval="quarter")
    # buyers over the whole range: distinct users (stickiness counts each user once per
    # value), not a sum of per-interval counts; both rank values by purchase events
    buyers = sl.stickiness(engine, event="action:purchase", breakdown=prop,
                           breakdown_limit=TOP, interval="month")
    rows: dict[Any, BreakdownRow] = {}
    for s in revenue.to_dict()["series"]:
        v = s["breakdown_value"]
        rows[v] = BreakdownRow(value=None if v is None else str(v), revenue=s["total"])
    for s in buyers.to_dict()["series"]:
        v = s["breakdown_value"]
        row = rows.setdefault(v, BreakdownRow(value=None if v is None else str(v)))
        row.buyers = int(s["users"])
    return sorted(rows.values(), key=lambda r: (r.value == "(other)", -(r.revenue or 0)))


def _has(engine: Any, prop: str) -> bool:
    from shoplens.insights.properties import Catalogue

    try:
        Catalogue(engine).resolve(prop)
    except ConfigError:
        return False
    return True


def collect(ctx: ReportContext) -> GrowthSection:
    import shoplens as sl
    from shoplens.insights.compile.dates import data_bounds

    engine = ctx.engine
    if data_bounds(engine)[0] is None:
        return GrowthSection.unavailable("no data: no events")
    section = GrowthSection(lifecycle_interval="week", retention_period="week")
    section.by_country = _by(engine, "user.country")
    if _has(engine, "user.channel"):
        section.by_channel = _by(engine, "user.channel")
        # whole weeks only: a week the data covers in part would show as a drop
        ret = sl.retention(engine, period="week", total_intervals=6, breakdown="user.channel",
                           breakdown_limit=5, censoring="observed")
        section.retention_by_channel = _retention_rows(ret.to_dict()["cohorts"], 6)
    life = sl.lifecycle(engine, interval="week")
    section.lifecycle = [LifecyclePoint(**p) for p in life.to_dict()["points"]]
    section.lifecycle_until = life.date_to
    stick = sl.stickiness(engine, interval="day", date_from="-27d")
    (series,) = stick.to_dict()["series"]
    section.stickiness = [StickinessPoint(**p) for p in series["points"]]
    section.stickiness_note = (f"users active on N of the 28 days {stick.date_from} .. "
                               f"{stick.date_to}")
    return section


def _retention_rows(cohorts: list[dict[str, Any]], n: int) -> list[RetentionRow]:
    """Per breakdown value: rates weighted by cohort size over the observed cohorts."""
    by: dict[Any, list[dict[str, Any]]] = {}
    for c in cohorts:
        by.setdefault(c["breakdown_value"], []).append(c)
    out = []
    for value, rows in by.items():
        rates: list[float | None] = []
        for k in range(n):
            seen = [r for r in rows if r["values"][k] is not None]
            size = sum(r["size"] for r in seen)
            rates.append(sum(r["values"][k] for r in seen) / size if size else None)
        out.append(RetentionRow(value=None if value is None else str(value),
                                size=sum(r["size"] for r in rows), rates=rates))
    return sorted(out, key=lambda r: (r.value == "(other)", -r.size))
