"""Conversion over time: actors grouped by the day, week or month of their entry.

Each actor counts once, in the period of the entry of its furthest chain (the latest
entry that reached its furthest step): ``entered`` actors, ``converted`` those that
reached the last step.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.funnels.base import FunnelBase, select


def trends(variant: FunnelBase) -> exp.Select:
    ctx = variant.ctx
    unit = ctx.query.trend_interval
    return variant.with_ctes(select(
        f"SELECT DATE_TRUNC('{unit}', ets) AS bucket, COUNT(*) AS entered, "
        f"SUM(r{ctx.last}) AS converted FROM actors GROUP BY DATE_TRUNC('{unit}', ets)"))
