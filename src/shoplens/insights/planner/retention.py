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
    # the money measures' returns are grouped although (user, day) is the rollup's key:
    # a grouped relation cannot be probed through the rollup's (day, user_id) index,
    # which PostgreSQL does per entry when it underestimates the entries (no statistics
    # yet after a load: 30 s instead of 0.2 s at 1M events); the users measure is
    # grouped by (user, period) in the statement. Only days with money are grouped.
    returns = user_day.rows(exp.select(
        exp.column("user_id", r).as_("uid"), exp.column("day", r).as_("d"),
        *money_columns(query, exp.func("SUM", exp.column("revenue", r)),
                       exp.func("SUM", exp.column("orders", r)))), scope,
        since=since, until=until, which=ret)
    if query.measure == "revenue":
        returns = returns.where(exp.column("revenue", r).is_(exp.null()).not_(), copy=False)
    if query.measure != "users":
        returns = returns.group_by(exp.column("user_id", r), exp.column("day", r),
                                   copy=False)
    return RetentionSources(starts, returns, source="rollups")
