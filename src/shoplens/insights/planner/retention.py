"""Retention answered from the user-day rollup: its start and return relations.

The planner supplies the two relations of :mod:`shoplens.insights.retention.sources`
(start events by user and day; return events' revenue and orders by user and day)
from ``rollup_user_day``; the statement past them is the raw one, so every definition
(entries, offsets, censoring) is shared. Covered: start and return series of the
shapes of :mod:`shoplens.insights.planner.user_day`, no breakdown or query filter, UTC,
a range of whole days; ``measure="revenue"`` needs the return series "any event" (the
rollup's revenue nets purchases and refunds) and ``"orders"`` the purchases.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import ResolvedRange
from shoplens.insights.planner import user_day
from shoplens.insights.retention.sources import RetentionSources, money_columns
from shoplens.insights.schema import RetentionQuery

#: the return shape each money measure needs
_MONEY_SHAPE = {"revenue": user_day.ANY, "orders": user_day.PURCHASES}


def plan_retention(query: RetentionQuery, scope: Scope, rng: ResolvedRange
                   ) -> RetentionSources | None:
    """The rollup relations of ``query``, or None when the rollup does not cover it."""
    from shoplens.insights.retention.compile import lower_bound

    if query.breakdowns or not user_day.plain_utc(query):
        return None
    start, ret = user_day.shape(scope, query.start_event), user_day.shape(scope, query.return_event)
    if start is None or ret is None:
        return None
    if query.measure in _MONEY_SHAPE and ret != _MONEY_SHAPE[query.measure]:
        return None
    days = user_day.day_bounds(lower_bound(query, rng), rng.end)
    if days is None:
        return None
    since, until = days
    r = "r"
    starts = user_day.rows(exp.select(
        exp.column("user_id", r).as_("uid"), exp.column("day", r).as_("d"),
        user_day.bucket(query.period).as_("cohort"), exp.null().as_("bd_0")), scope,
        since=since if query.retention_type == "recurring" else None, until=until,
        which=start)
    # one row per (user, day): the rollup's key, so no grouping is needed (the entries
    # are a CTE of the statement: PostgreSQL hashes them and scans the rollup once)
    returns = user_day.rows(exp.select(
        exp.column("user_id", r).as_("uid"), exp.column("day", r).as_("d"),
        *money_columns(query, exp.column("revenue", r), exp.column("orders", r))), scope,
        since=since, until=until, which=ret)
    return RetentionSources(starts, returns, source="rollups")
