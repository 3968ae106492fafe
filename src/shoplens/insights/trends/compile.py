"""The raw compile of a :class:`~shoplens.insights.schema.TrendsQuery`: one statement.

Rows: ``series`` (0-based index), ``bucket`` (interval start, local time), ``bd_0`` ..
(breakdown values, NULL in the "other" row), ``bd_other`` (1 for the "other" row) and
``value`` (DOUBLE PRECISION). One ``SELECT`` per series, ``UNION ALL``; intervals
without events have no row (the runner fills them). A planner answering from rollups
must return the same columns (see :mod:`shoplens.insights.runner`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import Breakdowns, compile_breakdowns
from shoplens.insights.compile.context import Binder, Compiled, Scope
from shoplens.insights.compile.dates import ResolvedRange, range_predicate, resolve_range
from shoplens.insights.compile.math import aggregate, math_value, per_user_value
from shoplens.insights.compile.rows import mapped_rows, series_rows, series_where
from shoplens.insights.compile.sources import from_events
from shoplens.insights.properties import Catalogue
from shoplens.insights.schema import TrendsQuery


@dataclass
class ResolvedTrends:
    """A trends query resolved against one database: what a planner gets to decide on.

    ``range``: the local bounds; ``breakdowns``: the resolved properties (each with its
    ``prop.ref``, ``prop.join`` and bin edges); ``scope``: the joins and features the
    raw statement needs; ``series``: the raw statement's ``SELECT`` of each series (the
    statement is their ``UNION ALL``; their values are ``scope.binder.params``), which a
    planner may union with its own for the series the rollups do not cover.
    """

    query: TrendsQuery
    range: ResolvedRange
    breakdowns: Breakdowns
    scope: Scope
    catalogue: Catalogue
    series: list[exp.Select] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve_trends(engine: Engine, query: TrendsQuery, *, rng: ResolvedRange | None = None,
                   catalogue: Catalogue | None = None) -> tuple[ResolvedTrends, Compiled]:
    """Resolve ``query`` and compile its raw statement."""
    catalogue = catalogue or Catalogue(engine)
    rng = rng or resolve_range(engine, query.date_range)
    scope = Scope(catalogue, Binder(), timezone=query.date_range.timezone)

    def minmax(expr: exp.Expression) -> tuple[Any, Any]:
        probe = Scope(catalogue, Binder(prefix="m"), timezone=scope.timezone,
                      joins=dict(scope.joins))
        sel = exp.select(exp.func("MIN", expr.copy()), exp.func("MAX", expr.copy()))
        sel = from_events(probe, sel).where(range_predicate(probe, rng))
        return tuple(engine.fetch_all(Compiled(sel, probe.binder.params).query(),
                                      probe.binder.params)[0])  # type: ignore[return-value]

    bds = compile_breakdowns(scope, query.breakdowns, minmax=minmax)
    parts = []
    for i, s in enumerate(query.series):
        option = f"series[{i}]"
        mv = math_value(scope, s, option=option)
        where = series_where(scope, _reach(rng, s.rolling_days), s, query.filters,
                             option=option)
        parts.append((s, series_rows(scope, i, query.interval, bds, mv, where,
                                     bucket=_total_bucket(scope, rng, query)), where))
    selects = []
    for s, cols, where in parts:
        base = from_events(scope, exp.select(*cols))
        if where is not None:
            base = base.where(where)
        if s.rolling_days:
            base = _rolling(scope, base, rng, s.rolling_days)
        selects.append(_series_select(base, bds, s.math, s.math_property is not None))
    statement: exp.Expression = selects[0]
    for sel in selects[1:]:
        statement = exp.union(statement, sel, distinct=False)
    resolved = ResolvedTrends(query, rng, bds, scope, catalogue, series=selects)
    return resolved, Compiled(statement, scope.binder.params, name="trends")


def _total_bucket(scope: Scope, rng: ResolvedRange, query: TrendsQuery) -> exp.Expression | None:
    """With ``display="total"`` every row falls in one bucket: the range's start."""
    if query.display != "total":
        return None
    return exp.cast(scope.bind(rng.start), exp.DataType.build("TIMESTAMP"))


def _reach(rng: ResolvedRange, days: int | None) -> ResolvedRange:
    """The events a series reads: ``rolling_days`` reach back before the range."""
    if not days:
        return rng
    return ResolvedRange(rng.start - dt.timedelta(days=days - 1), rng.end, rng.timezone)


def _rolling(scope: Scope, base: exp.Select, rng: ResolvedRange, days: int) -> exp.Select:
    """Each event row once in every day bucket of the ``days`` days starting on its own
    day (inside the range): a day's value is then the math over the events of the
    ``days`` days ending on it, any math (distinct users: rolling actives)."""
    offsets = exp.values([(k,) for k in range(days)], alias="w", columns=["k"])
    shifted = exp.DateAdd(this=exp.column("bucket", "rb"), expression=exp.column("k", "w"),
                          unit=exp.var("DAY"))
    shifted = exp.Cast(this=shifted, to=exp.DataType.build("TIMESTAMP"))
    cols = [c.alias_or_name for c in base.expressions]
    select = [shifted.as_("bucket") if c == "bucket" else exp.column(c, "rb").as_(c)
              for c in cols]
    return (exp.select(*select).from_(base.subquery("rb")).join(offsets, join_type="cross")
            .where(exp.and_(exp.GTE(this=shifted.copy(), expression=exp.cast(
                                scope.bind(rng.start), exp.DataType.build("TIMESTAMP"))),
                            exp.LT(this=shifted.copy(), expression=exp.cast(
                                scope.bind(rng.end), exp.DataType.build("TIMESTAMP"))))))


def _series_select(base: exp.Select, bds: Breakdowns, math: str, has_property: bool
                   ) -> exp.Select:
    rank_value = None
    if bds.by_value:  # validated: math total or sum
        rank_value = exp.Sum(this=exp.column("mv")) if math == "sum" else None
    mapped = mapped_rows(base, bds, rank_value=rank_value)
    keys = ["series", "bucket", *bds.columns, "bd_other"]
    if math == "per_user_avg":
        inner = (exp.select(*keys, "uid", per_user_value(has_property).as_("pu"))
                 .from_(mapped.subquery("m")).group_by(*keys, "uid"))
        return (exp.select(*keys, aggregate(math, has_property).as_("value"))
                .from_(inner.subquery("pu")).group_by(*keys))
    return (exp.select(*keys, aggregate(math, has_property).as_("value"))
            .from_(mapped.subquery("m")).group_by(*keys))


def compile_trends(engine: Engine, query: TrendsQuery, *, rng: ResolvedRange | None = None
                   ) -> Compiled:
    """The raw statement of ``query`` (what the planner's equality tests compare with)."""
    return resolve_trends(engine, query, rng=rng)[1]
