"""The two relations a retention statement is built on, read from the raw events.

``starts``
    distinct ``uid, d, cohort, bd_0``: a user's start events by local day ``d``, with the
    cohort period holding it (``cohort``, a timestamp) and the breakdown value.
``returns``
    ``uid, d, revenue, orders`` per user and local day of the return events: their net
    revenue (``measure="revenue"``) and distinct event times (``measure="orders"``).

The planner (:mod:`shoplens.insights.planner.retention`) builds the same relations from
the user-day rollup; :mod:`shoplens.insights.retention.compile` turns either into the
statement, so both forms share every definition past this point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import ResolvedRange, to_utc, trunc
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.rows import and_all
from shoplens.insights.compile.sources import from_events
from shoplens.insights.properties import REVENUE_SQL
from shoplens.insights.schema import EventSeries, RetentionQuery

DATE = exp.DataType.build("DATE")
MONEY = exp.DataType.build("DECIMAL(38, 4)")
BIGINT = exp.DataType.build("BIGINT")


@dataclass(frozen=True)
class RetentionSources:
    """``starts`` and ``returns`` (see the module) and where they were read."""

    starts: exp.Select
    returns: exp.Select
    source: str = "raw"


def money_columns(query: RetentionQuery, revenue: exp.Expression, orders: exp.Expression
                  ) -> list[exp.Expression]:
    """``revenue`` and ``orders`` where the measure needs them, else typed constants (the
    users measure reads neither)."""
    return [(revenue if query.measure == "revenue"
             else exp.Cast(this=exp.null(), to=MONEY.copy())).as_("revenue"),
            (orders if query.measure == "orders" else exp.Cast(
                this=exp.Literal.number(0), to=BIGINT.copy())).as_("orders")]


def _where(scope: Scope, series: EventSeries, query: RetentionQuery, option: str,
           extra: exp.Expression) -> exp.Expression:
    where = and_all([extra, event_predicate(scope, series.event, option=f"{option}.event"),
                     filters_predicate(scope, query.filters, option="filters"),
                     filters_predicate(scope, series.filters, option=f"{option}.filters")])
    assert where is not None
    return where


def raw_sources(scope: Scope, query: RetentionQuery, rng: ResolvedRange, bd: exp.Expression,
                lo: dt.datetime) -> RetentionSources:
    """The relations from ``events``: start events of the whole history up to the range's
    end (``first_time`` and signup fallbacks look back; ``recurring`` from ``lo``), return
    events of ``[lo, end)`` (``lo``: local)."""
    t = exp.column("event_time", "e")
    end = exp.LT(this=t.copy(), expression=scope.bind(rng.end_utc))
    since = exp.GTE(this=t.copy(), expression=scope.bind(to_utc(lo, rng.timezone)))
    day = exp.Cast(this=scope.local_time(), to=DATE.copy())
    starts_where = _where(scope, query.start_event, query, "start_event", end)
    if query.retention_type == "recurring":
        starts_where = exp.and_(starts_where, since.copy())
    starts = from_events(scope, exp.select(
        exp.column("user_id", "e").as_("uid"), day.copy().as_("d"),
        trunc(scope.local_time(), query.period).as_("cohort"), bd.as_("bd_0")
    ).distinct()).where(starts_where)

    ret_where = _where(scope, query.return_event, query, "return_event",
                       exp.and_(since.copy(), end.copy()))
    if query.measure == "revenue":
        scope.joins["products"] = None
        value: exp.Expression = exp.maybe_parse(REVENUE_SQL, dialect="postgres")
    else:
        value = exp.null()
    rows = from_events(scope, exp.select(
        exp.column("user_id", "e").as_("uid"), day.copy().as_("d"), value.as_("v"),
        exp.column("event_time", "e").as_("et"))).where(ret_where)
    returns = (exp.select("uid", "d", *money_columns(
        query, exp.func("SUM", exp.column("v")),
        exp.Count(this=exp.Distinct(expressions=[exp.column("et")]))))
        .from_(rows.subquery("rv")).group_by("uid", "d"))
    return RetentionSources(starts, returns)
