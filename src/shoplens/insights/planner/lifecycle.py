"""Lifecycle answered from the user-day rollup: the active (user, interval) pairs.

The lifecycle statement (:func:`shoplens.insights.lifecycle.compile_lifecycle`) reads
the distinct users and intervals of the series' events up to the range's end; for a
series of the shapes of :mod:`shoplens.insights.planner.user_day` (no query filter,
UTC, a range ending at midnight) they are the rollup's rows, whose days hold the same
intervals. The statement past this relation is the raw one.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import ResolvedRange
from shoplens.insights.planner import user_day
from shoplens.insights.schema import LifecycleQuery


def plan_lifecycle(query: LifecycleQuery, scope: Scope, rng: ResolvedRange
                   ) -> exp.Select | None:
    """``uid, bucket`` distinct, from the rollup, or None when it does not cover it."""
    if not user_day.plain_utc(query):
        return None
    which = user_day.shape(scope, query.series)
    days = user_day.day_bounds(rng.end)
    if which is None or days is None:
        return None
    return user_day.rows(exp.select(exp.column("user_id", "r").as_("uid"),
                                    user_day.bucket(query.interval).as_("bucket")).distinct(),
                         scope, since=None, until=days[0], which=which)
