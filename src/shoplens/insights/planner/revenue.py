"""Revenue questions answered from the revenue rollups, at the grain each one needs.

Trends series of the revenue family — the sum of ``event.revenue`` or
``event.quantity`` over purchases and/or refunds, or the orders of a day (distinct
sessions with a purchase) — are read from the smallest rollup that keeps them
(maintained by :mod:`shoplens.metrics.revenue_rollups` on every load and catalogue
change):

================================  ==================  ====================================
rollup                            grains              answers
================================  ==================  ====================================
``rollup_revenue_total``          day, month          revenue, units, orders (per day)
``rollup_revenue_category``       day, week, month    net revenue, units by category
``rollup_revenue_brand``          day, month          net revenue, units by brand
``rollup_revenue_product``        day, month,         revenue, units by product
                                  quarter
================================  ==================  ====================================

A question over whole periods reads the rows of that grain; a range that starts or
ends inside a period reads the day rows of its partial periods (a one-year total is 12
month rows, not 365 day rows; a total reads whole quarters where the rollup keeps them,
whole months and days around them). The category is stored as the catalogue's normalised
value (``"(no category)"`` for an unknown product or a NULL or blank category), read
back as NULL, which is what ``product.category`` gives for such events. Top-N cuts are
answered when the breakdown ranks by value (``rank_by="value"``: the rollups keep no
event counts); otherwise the planner declines and :mod:`.trends` or the raw events
answer.

The statement takes the simplest shape the question allows (every level of a statement
is a pass that a few-millisecond read cannot spare):

- the rollup's own rows are the answer (the range is whole periods of the interval,
  which the rollup keeps, and the breakdowns are its key; no cut): no aggregation, one
  answer row per rollup row;
- a whole-range top N by value of one breakdown: one GROUP BY, ``ORDER BY … LIMIT N``,
  and the "other" row as the total minus the top N's sum (exact before the cast);
- otherwise the general form of :func:`shoplens.insights.planner.trends.finish`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import compile_breakdowns
from shoplens.insights.compile.context import Compiled, Scope
from shoplens.insights.compile.dates import period_start, step
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.math import DOUBLE
from shoplens.insights.compile.rows import and_all
from shoplens.insights.planner.trends import TIMESTAMP, finish, whole_days
from shoplens.insights.schema import EventSeries, FilterGroup, PropertyFilter, TrendsQuery

NO_CATEGORY = "(no category)"
BOTH = frozenset({"purchase", "refund"})
PURCHASE = frozenset({"purchase"})
REFUND = frozenset({"refund"})


@dataclass(frozen=True)
class Rollup:
    """One revenue rollup: its grains, the raw columns it keeps, its measures."""

    table: str
    grains: tuple[str, ...]
    #: raw (alias, column) -> the expression over the rollup (alias ``r``)
    columns: dict[tuple[str, str], str]
    #: (what, event types) -> (value, the condition for the raw form to have a row)
    measures: dict[tuple[str, frozenset[str]], tuple[str, str | None]]
    #: the breakdown properties the rollup's rows are unique by within one grain and
    #: period (each read back one-to-one from a key column)
    key: tuple[str, ...] = ()


_PRODUCT_MEASURES = {
    ("revenue", BOTH): ("r.gross - r.refunds", None),
    ("revenue", PURCHASE): ("r.gross", "r.units > 0"),
    ("revenue", REFUND): ("-r.refunds", "r.refunded_units > 0"),
    ("quantity", BOTH): ("r.units + r.refunded_units", None),
    ("quantity", PURCHASE): ("r.units", "r.units > 0"),
    ("quantity", REFUND): ("r.refunded_units", "r.refunded_units > 0"),
}
ROLLUPS: tuple[Rollup, ...] = (
    Rollup("rollup_revenue_total", ("day", "month"), {},
           {**_PRODUCT_MEASURES, ("orders", PURCHASE): ("r.orders", "r.orders > 0")}),
    Rollup("rollup_revenue_category", ("day", "week", "month"),
           {("p", "category"): f"NULLIF(r.category, '{NO_CATEGORY}')"},
           {("revenue", BOTH): ("r.revenue", None),
            ("quantity", BOTH): ("r.units + r.refunded_units", None),
            ("quantity", PURCHASE): ("r.units", "r.units > 0"),
            ("quantity", REFUND): ("r.refunded_units", "r.refunded_units > 0")},
           key=("product.category",)),
    Rollup("rollup_revenue_brand", ("day", "month"), {("p", "brand"): "r.brand"},
           {("revenue", BOTH): ("r.revenue", None),
            ("quantity", PURCHASE): ("r.units", "r.units > 0")}, key=("product.brand",)),
    Rollup("rollup_revenue_product", ("day", "month", "quarter"), {("e", "product_id"): "r.product_id"},
           _PRODUCT_MEASURES, key=("event.product_id",)),
)
_MATH_PROPERTY = {"event.revenue": "revenue", "event.quantity": "quantity"}


class _Declined(Exception):
    pass


def _event_types(filters: list[PropertyFilter | FilterGroup]
                 ) -> tuple[frozenset[str], list[PropertyFilter | FilterGroup]]:
    """The event types one top-level ``event.event_type`` eq/in filter keeps, and the
    other filters (anything else about the event type: not answered here)."""
    types: frozenset[str] | None = None
    rest: list[PropertyFilter | FilterGroup] = []
    for f in filters:
        if isinstance(f, PropertyFilter) and f.property in ("event.event_type", "event_type"):
            values = f.value if isinstance(f.value, list) else [f.value]
            if f.operator not in ("eq", "in") or types is not None:
                raise _Declined
            types = frozenset(str(v) for v in values)
        else:
            rest.append(f)
    if types is None or not types or not types <= BOTH:
        raise _Declined
    return types, rest


def _what(s: EventSeries) -> str:
    if s.event is not None or s.rolling_days:
        raise _Declined
    if s.math == "sum" and s.math_property:
        name = s.math_property if "." in s.math_property else f"event.{s.math_property}"
        if name in _MATH_PROPERTY:
            return _MATH_PROPERTY[name]
    if s.math == "unique_sessions":
        return "orders"
    raise _Declined


def _move(expr: exp.Expression, columns: dict[tuple[str, str], str]) -> exp.Expression:
    def move(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table and node.table != "r":
            key = (node.table, node.name)
            if key not in columns:
                raise _Declined
            return exp.maybe_parse(columns[key], dialect="postgres").copy()
        return node

    return expr.copy().transform(move)


def _rows(rollup: Rollup, interval: str | None, first: dt.date, end: dt.date,
          scope: Scope) -> exp.Expression:
    """The rows of ``[first, end)``: whole periods of the grain asked for where the
    rollup keeps that grain, day rows around them; for a total, the coarsest nested
    periods the rollup keeps (whole quarters, then whole months, then days at the
    edges: a half-year of a product is 2 quarter rows, not 6 month rows)."""
    if interval is None:
        grains = tuple(g for g in TOTAL_GRAINS if g in rollup.grains)
    else:
        grains = (interval,) if interval != "day" and interval in rollup.grains else ()
    parts = [_segment(scope, grain, lo, hi) for grain, lo, hi in _cover(grains, first, end)]
    return parts[0] if len(parts) == 1 else exp.Paren(this=exp.or_(*parts))


#: the nested grains a total over a range is read from, coarsest first
TOTAL_GRAINS = ("quarter", "month")


def _cover(grains: tuple[str, ...], first: dt.date, end: dt.date
           ) -> list[tuple[str, dt.date, dt.date]]:
    """``[first, end)`` as whole periods of ``grains[0]``, the parts before and after
    them covered the same way by the finer grains, days last."""
    if first >= end:
        return []
    if not grains:
        return [("day", first, end)]
    grain, finer = grains[0], grains[1:]
    lo = period_start(first, grain)
    if lo != first:
        lo = step(dt.datetime.combine(lo, dt.time()), grain).date()
    hi = period_start(end, grain)
    if lo >= hi:
        return _cover(finer, first, end)
    return [(grain, lo, hi), *_cover(finer, first, lo), *_cover(finer, hi, end)]


def _segment(scope: Scope, grain: str, lo: dt.date, hi: dt.date) -> exp.Expression:
    period = exp.column("period", "r")
    return exp.Paren(this=exp.and_(
        exp.column("grain", "r").eq(exp.Literal.string(grain)),
        exp.GTE(this=period, expression=scope.bind(lo)),
        exp.LT(this=period.copy(), expression=scope.bind(hi))))


#: breakdown property -> how many values it can have at most (``rollup_revenue_catalogue``
#: lists every product the rollups saw, with its category and brand; +1: NULL)
_VALUES = {"product.category": "SELECT COUNT(DISTINCT category) + 1 FROM rollup_revenue_catalogue",
           "product.brand": "SELECT COUNT(DISTINCT brand) + 1 FROM rollup_revenue_catalogue",
           "event.product_id": "SELECT COUNT(*) + 1 FROM rollup_revenue_catalogue"}


def _needs_cut(engine: Engine, bds: Any) -> bool:
    """Whether the top-N cut can drop a value: a single breakdown with no more possible
    values than its limit keeps them all, so the ranking windows are skipped."""
    if bds.limit is None:
        return False
    if len(bds.items) != 1 or bds.items[0].prop.ref not in _VALUES:
        return True
    return int(engine.scalar(_VALUES[bds.items[0].prop.ref]) or 0) > bds.limit


def plan_revenue(engine: Engine, query: TrendsQuery, resolved: Any, scope: Scope
                 ) -> Compiled | None:
    """The revenue rollups' statement for ``query``, or None when they do not keep it."""
    days = whole_days(query, resolved)
    interval = None if query.display == "total" else query.interval
    if days is None or (interval is not None and interval not in ("day", "week", "month")):
        return None
    if any(b.bins is not None for b in query.breakdowns):
        return None
    bds = compile_breakdowns(scope, query.breakdowns)
    if bds.limit is not None and not bds.by_value:
        return None  # ranked by number of events: the revenue rollups keep no counts
    selects = []
    try:
        cut = _needs_cut(engine, bds)
        for i, s in enumerate(query.series):
            selects.append(_series(query, i, s, scope, bds, interval, days, cut))
    except _Declined:
        return None
    statement: exp.Expression = selects[0]
    for sel in selects[1:]:
        statement = exp.union(statement, sel, distinct=False)
    return Compiled(statement, scope.binder.params, source="rollups", name="revenue-rollups")


def _series(query: TrendsQuery, i: int, s: EventSeries, scope: Scope, bds: Any,
            interval: str | None, days: tuple[dt.date, dt.date], cut: bool) -> exp.Select:
    what = _what(s)
    types, rest = _event_types([*query.filters, *s.filters])
    if what == "orders" and (interval != "day" or types != PURCHASE):
        raise _Declined  # distinct sessions of a day do not add up over days
    where = filters_predicate(scope, rest, option=f"series[{i}].filters")
    for rollup in ROLLUPS:
        if (what, types) not in rollup.measures:
            continue
        try:
            moved_where = _move(where, rollup.columns) if where is not None else None
            bd_cols = [_move(b.expr, rollup.columns).as_(c)
                       for b, c in zip(bds.items, bds.columns, strict=True)]
        except _Declined:
            continue
        value, exists = rollup.measures[(what, types)]
        bucket = (exp.func("DATE_TRUNC", exp.Literal.string(interval),
                           exp.Cast(this=exp.column("period", "r"), to=TIMESTAMP))
                  if interval else exp.Cast(this=scope.bind(resolved_start(days)), to=TIMESTAMP))
        cond = and_all([_rows(rollup, interval, days[0], days[1], scope), moved_where,
                        exp.maybe_parse(exists, dialect="postgres") if exists else None])
        mv = exp.maybe_parse(value, dialect="postgres")
        if not (cut and bds.limit is not None) and _own_rows(rollup, bds, interval, days):
            # every rollup row is one answer row: its own grain and period, its key
            period = exp.Cast(this=exp.column("period", "r"), to=TIMESTAMP)
            return (exp.select(exp.Literal.number(i).as_("series"), period.as_("bucket"),
                               *bd_cols, exp.Literal.number(0).as_("bd_other"),
                               exp.Cast(this=mv, to=DOUBLE).as_("value"))
                    .from_(exp.to_table(rollup.table).as_("r")).where(cond))
        base = (exp.select(exp.Literal.number(i).as_("series"), bucket.as_("bucket"),
                           *bd_cols, exp.Cast(this=exp.null(), to=exp.DataType.build("BIGINT"))
                           .as_("n"), mv.as_("mv"))
                .from_(exp.to_table(rollup.table).as_("r")).where(cond))
        if cut and bds.limit is not None and interval is None and len(bds.items) == 1 \
                and bds.items[0].cut:
            return _top(base, bds.limit)
        return finish(base, bds, exp.Sum(this=exp.column("mv")), rank="mv", cut=cut,
                      one_bucket=interval is None)
    raise _Declined


def _own_rows(rollup: Rollup, bds: Any, interval: str | None,
              days: tuple[dt.date, dt.date]) -> bool:
    """Whether the rows read are the answer's rows: the range is whole periods of the
    interval, which the rollup keeps (:func:`_rows` reads that one grain), and the
    breakdowns are the rollup's key (its rows are unique per period and key)."""
    if interval is None or (interval != "day" and interval not in rollup.grains):
        return False
    first, end = days
    if period_start(first, interval) != first or period_start(end, interval) != end:
        return False
    return tuple(b.prop.ref for b in bds.items) == rollup.key


def _top(base: exp.Select, limit: int) -> exp.Select:
    """A whole-range top N by value of one breakdown, without ranking windows.

    One bucket and one breakdown: each group is one breakdown value, so the raw form's
    ``DENSE_RANK`` over (ranking total desc, value) orders the groups themselves, and
    its top N are ``ORDER BY … LIMIT N``. The "other" row (when more than N groups
    exist) is the sum of the rest: the total minus the top N's sum, exact before the
    final cast as the raw form's sum of the rest is.
    """
    keys = ["series", "bucket", "bd_0"]
    grouped = (exp.select(*keys, exp.Sum(this=exp.column("mv")).as_("mv"))
               .from_(base.subquery("b")).group_by(*keys))
    top = (exp.select(*keys, "mv").from_("g")
           .order_by(exp.Ordered(this=exp.column("mv"), desc=True, nulls_first=False),
                     exp.Ordered(this=exp.column("bd_0"), nulls_first=False))
           .limit(limit))
    kept = exp.select(*keys, exp.Literal.number(0).as_("bd_other"),
                      exp.Cast(this=exp.column("mv"), to=DOUBLE).as_("value")).from_("t")
    rest = exp.Sub(this=exp.Sum(this=exp.column("mv")),
                   expression=exp.select(exp.Sum(this=exp.column("mv"))).from_("t").subquery())
    other = (exp.select("series", "bucket", exp.null().as_("bd_0"),
                        exp.Literal.number(1).as_("bd_other"),
                        exp.Cast(this=rest, to=DOUBLE).as_("value"))
             .from_("g").group_by("series", "bucket")
             .having(exp.GT(this=exp.Count(this=exp.Star()),
                            expression=exp.Literal.number(limit))))
    both = exp.union(kept, other, distinct=False).with_("g", as_=grouped).with_("t", as_=top)
    # a subquery: the series of a statement are joined by UNION ALL, each with its own CTEs
    return exp.select("*").from_(both.subquery("top_n"))


def resolved_start(days: tuple[dt.date, dt.date]) -> dt.datetime:
    return dt.datetime.combine(days[0], dt.time())
