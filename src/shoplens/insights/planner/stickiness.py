"""Stickiness answered from the user-day rollup: each series' (user, interval) rows.

The stickiness statement (:func:`shoplens.insights.stickiness.compile_stickiness`)
counts, per user, the distinct intervals of the range with the series' event; without
a breakdown, for series of the shapes of :mod:`shoplens.insights.planner.user_day` (no
query filter, UTC, whole days), the rollup's rows of the range's days give the same
users and intervals. The statement past these rows is the raw one.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import ResolvedRange
from shoplens.insights.planner import user_day
from shoplens.insights.schema import StickinessQuery


def plan_stickiness(query: StickinessQuery, scope: Scope, rng: ResolvedRange
                    ) -> list[exp.Select] | None:
    """Per series, ``series, bucket, bd_other, uid`` rows from the rollup, or None."""
    if query.breakdowns or not user_day.plain_utc(query):
        return None
    shapes = [user_day.shape(scope, s) for s in query.series]
    days = user_day.day_bounds(rng.start, rng.end)
    if days is None or any(w is None for w in shapes):
        return None
    return [user_day.rows(exp.select(
        exp.Literal.number(i).as_("series"), user_day.bucket(query.interval).as_("bucket"),
        exp.Literal.number(0).as_("bd_other"), exp.column("user_id", "r").as_("uid")),
        scope, since=days[0], until=days[1], which=str(w)) for i, w in enumerate(shapes)]
