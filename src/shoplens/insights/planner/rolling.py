"""Rolling actives answered from ``rollup_rolling_active``.

A trends series ``unique_users`` of any event with ``rolling_days`` 7 or 28, at a day
interval, unfiltered and not broken down, is one column of ``rollup_rolling_active``
(one row per day of the data's span, maintained by every load: see
``sql/refresh/rolling_active.sql``). The raw statement has a row for a day when some
event falls in the window ending on it, so the planner keeps the days with a non-zero
count, and declines a range that reaches past the last day the rollup covers (the
windows of the days after the data still hold users).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import Breakdowns
from shoplens.insights.compile.context import Compiled, Scope
from shoplens.insights.planner.trends import TIMESTAMP, finish, whole_days
from shoplens.insights.schema import TrendsQuery

#: rolling window (days) -> the rollup's column
COLUMNS = {7: "active_7d", 28: "active_28d"}


def plan_rolling(engine: Engine, query: TrendsQuery, resolved: Any, scope: Scope
                 ) -> Compiled | None:
    """The rolling-actives rows of ``query`` from the rollup, or None."""
    days = whole_days(query, resolved)
    if days is None or query.interval != "day" or query.breakdowns or query.filters:
        return None
    if any(s.math != "unique_users" or s.event is not None or s.filters
           or s.rolling_days not in COLUMNS for s in query.series):
        return None
    last = engine.scalar("SELECT MAX(day) FROM rollup_rolling_active")
    if last is None:
        return None
    last = last.date() if isinstance(last, dt.datetime) else last
    if days[1] - dt.timedelta(days=1) > last:
        return None
    selects = []
    for i, s in enumerate(query.series):
        column = exp.column(COLUMNS[s.rolling_days], "r")  # type: ignore[index]
        day = exp.column("day", "r")
        base = (exp.select(exp.Literal.number(i).as_("series"),
                           exp.Cast(this=day, to=TIMESTAMP).as_("bucket"),
                           exp.Cast(this=exp.null(), to=exp.DataType.build("BIGINT")).as_("n"),
                           column.as_("mv"))
                .from_(exp.to_table("rollup_rolling_active").as_("r"))
                .where(exp.and_(exp.GTE(this=day, expression=scope.bind(days[0])),
                                exp.LT(this=day.copy(), expression=scope.bind(days[1])),
                                exp.GT(this=column.copy(), expression=exp.Literal.number(0)))))
        selects.append(finish(base, Breakdowns(), exp.Sum(this=exp.column("mv"))))
    statement: exp.Expression = selects[0]
    for sel in selects[1:]:
        statement = exp.union(statement, sel, distinct=False)
    return Compiled(statement, scope.binder.params, source="rollups", name="rolling-rollups")
