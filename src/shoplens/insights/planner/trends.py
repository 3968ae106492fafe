"""Trends answered from the planner's rollups, with the raw statement's columns and values.

Two rollups serve trends series here (both maintained on every load by
:mod:`shoplens.metrics.rollups`; ``rollup_session_hour`` is :mod:`.sessions`):

``rollup_event_day``
    events per UTC day, event name and type, user country, product category and brand,
    with the sums of ``event.revenue``, ``event.price`` and ``event.quantity`` and the
    number of priced events: answers ``total``, ``sum`` and ``avg`` over any event
    reference (raw name, ``action:``, ``stage:``),
    filters and breakdowns on those dimensions (and the taxonomy's stage and action,
    joined on the event name), at day, week, month or quarter intervals.
``rollup_active_dims``
    distinct users per day, Monday week and calendar month and country: answers
    ``unique_users`` of any event, filtered and broken down by ``user.country`` when the
    range holds whole intervals (a user has one country, so the users of several
    countries — "other" included — add up).

The statement returns the raw statement's columns (``series, bucket, bd_*, bd_other,
value``), one series at a time (the planner unions them): top-N ranks value
combinations by their number of events in the range, as the raw
:func:`~shoplens.insights.compile.breakdowns.ranked` does, and every sum is exact
(``NUMERIC``) before the final cast, so the rows are identical.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import Breakdowns, compile_breakdowns
from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import bucket_start, step
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.math import DOUBLE
from shoplens.insights.compile.rows import and_all, mapped_rows
from shoplens.insights.planner.coverage import (
    ACTIVE_DIMS,
    ACTIVE_DIMS_PROPERTIES,
    EVENT_DAY,
    EVENT_DAY_PROPERTIES,
    EVENT_DAY_SUMS,
    NotCovered,
    filter_refs,
    onto,
)
from shoplens.insights.schema import TrendsQuery

TIMESTAMP = exp.DataType.build("TIMESTAMP")
EVENT_INTERVALS = ("day", "week", "month", "quarter")
ACTIVE_INTERVALS = ("day", "week", "month")


def _refs(scope: Scope, names: list[str]) -> set[str]:
    return {scope.catalogue.resolve(n).ref for n in names}


def whole_days(query: TrendsQuery, resolved: Any) -> tuple[dt.date, dt.date] | None:
    rng = resolved.range
    if query.date_range.timezone != "UTC":
        return None
    if rng.start != dt.datetime.combine(rng.start.date(), dt.time()) or \
            rng.end != dt.datetime.combine(rng.end.date(), dt.time()):
        return None
    return rng.start.date(), rng.end.date()


def _series_refs(scope: Scope, query: TrendsQuery, i: int, bds: Breakdowns) -> set[str]:
    """Every property the breakdowns, the query's filters and series ``i``'s filters read."""
    return ({b.prop.ref for b in bds.items} | _refs(scope, filter_refs(query.filters))
            | _refs(scope, filter_refs(query.series[i].filters)))


def plain_breakdowns(scope: Scope, query: TrendsQuery) -> Breakdowns | None:
    """The breakdowns compiled, or None when one is binned (no rollup keeps bins)."""
    if any(b.bins is not None for b in query.breakdowns):
        return None
    bds = compile_breakdowns(scope, query.breakdowns)
    return None if any(b.edges is not None for b in bds.items) else bds


def event_day_series(query: TrendsQuery, i: int, resolved: Any, scope: Scope
                     ) -> exp.Select | None:
    """Series ``i`` (``total``, or ``sum``/``avg`` of revenue, price or quantity) from
    ``rollup_event_day``, or None when it does not cover it."""
    days = whole_days(query, resolved)
    if days is None or query.interval not in EVENT_INTERVALS:
        return None
    s = query.series[i]
    if s.math in ("sum", "avg"):
        if scope.catalogue.resolve(s.math_property or "").ref not in EVENT_DAY_SUMS:
            return None
    elif s.math != "total":
        return None
    bds = plain_breakdowns(scope, query)
    if bds is None or not _series_refs(scope, query, i, bds) <= EVENT_DAY_PROPERTIES:
        return None
    day = exp.Cast(this=exp.column("day", "r"), to=TIMESTAMP)
    try:
        return _event_day_series(query, i, scope, bds, days, day)
    except NotCovered:
        return None


def measure_count(ref: str, alias: str = "r") -> exp.Expression:
    """How many events of a rollup row have the summed property (``avg``'s divisor):
    ``priced`` for the price; every event for the quantity (never NULL); the purchases
    and refunds for the revenue (NULL for any other event)."""
    if ref == "event.price":
        return exp.column("priced", alias)
    events = exp.column("events", alias)
    if ref == "event.quantity":
        return events
    money = exp.In(this=exp.column("event_type", alias),
                   expressions=[exp.Literal.string("purchase"), exp.Literal.string("refund")])
    return exp.Case().when(money, events).else_(exp.Literal.number(0))


def avg_value() -> exp.Expression:
    """``avg`` over rows with ``mv`` (a sum) and ``c`` (its count): the raw statement's
    exact sum over exact count."""
    return exp.Div(this=exp.Cast(this=exp.Sum(this=exp.column("mv")), to=DOUBLE),
                   expression=exp.Cast(this=exp.func("NULLIF", exp.Sum(this=exp.column("c")),
                                                     exp.Literal.number(0)), to=DOUBLE))


def _event_day_series(query: TrendsQuery, i: int, scope: Scope, bds: Breakdowns,
                      days: tuple[dt.date, dt.date], day: exp.Expression) -> exp.Select:
    s = query.series[i]
    where = and_all([
        exp.column("day", "r").between(scope.bind(days[0]), scope.bind(days[1] - dt.timedelta(days=1))),
        event_predicate(scope, s.event, option=f"series[{i}].event"),
        filters_predicate(scope, query.filters, option="filters"),
        filters_predicate(scope, s.filters, option=f"series[{i}].filters"),
    ])
    assert where is not None
    ref = scope.catalogue.resolve(s.math_property).ref if s.math_property else None
    measure = (exp.column(EVENT_DAY_SUMS[ref], "r") if ref is not None
               else exp.Cast(this=exp.null(), to=exp.DataType.build("BIGINT")))
    count = measure_count(ref) if ref is not None and s.math == "avg" else exp.null()
    cols: list[exp.Expression] = [
        exp.Literal.number(i).as_("series"),
        exp.func("DATE_TRUNC", exp.Literal.string(query.interval), day.copy()).as_("bucket")]
    cols += [onto(b.expr, EVENT_DAY, "r", day=day).as_(c)
             for b, c in zip(bds.items, bds.columns, strict=True)]
    cols += [exp.column("events", "r").as_("n"), measure.as_("mv")]
    if s.math == "avg":
        cols.append(count.as_("c"))
    base = (exp.select(*cols).from_(exp.to_table("rollup_event_day").as_("r"))
            .where(onto(where, EVENT_DAY, "r", day=day)))
    if _reads_taxonomy(base):
        base = base.join(exp.to_table("event_taxonomy").as_("t"),
                         on="t.raw_event = r.raw_event", join_type="left")
    if s.math == "avg":
        return grouped_rows(base, bds, avg_value(), rank_value=None)
    value = exp.Sum(this=exp.column("mv" if s.math == "sum" else "n"))
    return finish(base, bds, value, rank="mv" if bds.by_value and s.math == "sum" else "n")


def grouped_rows(base: exp.Select, bds: Breakdowns, value: exp.Expression, *,
                 rank_value: exp.Expression | None) -> exp.Select:
    """``value`` (any aggregate over the base rows: a distinct count, an average) per
    series, bucket and breakdown values, past the top N in one "other" row ranked as the
    raw statement ranks (by the events ``n`` of each value combination, or by
    ``rank_value``): the raw compile's own :func:`mapped_rows` over the rollup rows."""
    extra = tuple(c.alias_or_name for c in base.expressions
                  if c.alias_or_name not in ("series", "bucket", *bds.columns))
    rank = rank_value if rank_value is not None else (
        exp.Sum(this=exp.column("n")) if bds.limit is not None else None)
    mapped = mapped_rows(base, bds, extra, rank_value=rank)
    keys = ["series", "bucket", *bds.columns, "bd_other"]
    return (exp.select(*keys, exp.Cast(this=value, to=DOUBLE).as_("value"))
            .from_(mapped.subquery("m")).group_by(*keys))


def _reads_taxonomy(select: exp.Select) -> bool:
    return any(c.table == "t" for c in select.find_all(exp.Column))


def finish(base: exp.Select, bds: Breakdowns, value: exp.Expression, *, rank: str = "n",
           cut: bool = True, one_bucket: bool = False) -> exp.Select:
    """Group per series, bucket and breakdown values; cut past the top N as the raw
    statement does (rank by number of events ``n``, or by the value ``mv`` of a
    breakdown ranked by value; ties by value, NULL last). ``cut=False``: the caller
    knows there are no more values than the limit (nothing to rank). ``one_bucket``:
    every row has the same bucket (a whole-range total), so when every breakdown is cut
    a group's own sum is its ranking total.

    ``value`` is a sum over the base rows' ``n`` or ``mv``: a sum of sums is the sum, so
    without a cut one aggregation answers, and with one the ranking total is a window
    over the groups' own sums (no level of its own): every level costs a pass over
    rows that a few-millisecond read cannot spare."""
    cols = bds.columns
    keys = ["series", "bucket", *cols]
    limit = bds.limit if cut else None
    if limit is None:
        return (exp.select(*keys, exp.Literal.number(0).as_("bd_other"),
                           exp.Cast(this=value, to=DOUBLE).as_("value"))
                .from_(base.subquery("b")).group_by(*keys))
    cut_cols = [exp.column(c) for c in bds.cut_columns]
    # qualified: DuckDB would read a bare ``n`` as the select list's own ``n`` alias
    total: exp.Expression = exp.Sum(this=exp.column(rank, "b"))
    if not (one_bucket and len(cut_cols) == len(cols)):
        total = exp.Window(this=exp.Sum(this=total), partition_by=[c.copy() for c in cut_cols])
    grouped = exp.select(
        *keys, exp.Sum(this=exp.column("n")).as_("n"), exp.Sum(this=exp.column("mv")).as_("mv"),
        total.as_("bd_n"),
    ).from_(base.subquery("b")).group_by(*keys)
    order = [exp.Ordered(this=exp.column("bd_n"), desc=True) if rank == "n" else
             exp.Ordered(this=exp.column("bd_n"), desc=True, nulls_first=False)]
    order += [exp.Ordered(this=c.copy(), nulls_first=False) for c in cut_cols]
    ranked = exp.select("*", exp.Window(this=exp.func("DENSE_RANK"),
                                        order=exp.Order(expressions=order)).as_("bd_rank")
                        ).from_(grouped.subquery("g"))
    keep = exp.LTE(this=exp.column("bd_rank"), expression=exp.Literal.number(limit))
    cut_names = set(bds.cut_columns)
    mapped_cols = [exp.Case().when(keep.copy(), exp.column(c)).as_(c) if c in cut_names
                   else exp.column(c).as_(c) for c in cols]
    other = exp.Case().when(keep.copy(), exp.Literal.number(0)).else_(exp.Literal.number(1))
    mapped = exp.select("series", "bucket", *mapped_cols, other.as_("bd_other"), "n", "mv"
                        ).from_(ranked.subquery("r2"))
    out_keys = [*keys, "bd_other"]
    return (exp.select(*out_keys, exp.Cast(this=value, to=DOUBLE).as_("value"))
            .from_(mapped.subquery("m")).group_by(*out_keys))


def active_dims_series(engine: Engine, query: TrendsQuery, i: int, resolved: Any,
                       scope: Scope) -> exp.Select | None:
    """Series ``i`` — ``unique_users`` of any event, by and filtered on ``user.country``
    — from ``rollup_active_dims`` when the range holds whole intervals, or None."""
    days = whole_days(query, resolved)
    if days is None or query.interval not in ACTIVE_INTERVALS:
        return None
    s = query.series[i]
    if s.math != "unique_users" or s.event is not None or s.filters or s.rolling_days:
        return None
    bds = plain_breakdowns(scope, query)
    if bds is None or not _series_refs(scope, query, i, bds) <= ACTIVE_DIMS_PROPERTIES:
        return None
    span = engine.fetch_all("SELECT MIN(period), MAX(period) FROM rollup_active_counts "
                            "WHERE grain = 'day'")[0]
    if span[0] is None:
        return None
    first, last = (_date(v) for v in span)
    start, end = days
    lo = bucket_start(dt.datetime.combine(start, dt.time()), query.interval).date()
    # a partial interval at either end counts only the range's days: not in the rollup
    if lo != start and start > first:
        return None
    end_dt = dt.datetime.combine(end, dt.time())
    if bucket_start(end_dt, query.interval) != end_dt and end <= last:
        return None
    hi = end if bucket_start(end_dt, query.interval) == end_dt else \
        step(bucket_start(end_dt, query.interval), query.interval).date()
    try:
        where = and_all([
            exp.column("grain", "a").eq(scope.bind(query.interval)),
            exp.column("period", "a").between(scope.bind(lo), scope.bind(hi - dt.timedelta(days=1))),
            filters_predicate(scope, query.filters, option="filters")])
        assert where is not None
        where = onto(where, ACTIVE_DIMS, "a")
        bd_cols = [onto(b.expr, ACTIVE_DIMS, "a").as_(c)
                   for b, c in zip(bds.items, bds.columns, strict=True)]
    except NotCovered:
        return None
    base = (exp.select(exp.Literal.number(i).as_("series"),
                       exp.Cast(this=exp.column("period", "a"), to=TIMESTAMP).as_("bucket"),
                       *bd_cols, exp.column("events", "a").as_("n"),
                       exp.column("users", "a").as_("mv"))
            .from_(exp.to_table("rollup_active_dims").as_("a")).where(where))
    return finish(base, bds, exp.Sum(this=exp.column("mv")))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
