"""The raw compile of a :class:`~shoplens.insights.schema.TrendsQuery`: one statement.

Rows: ``series`` (0-based index), ``bucket`` (interval start, local time), ``bd_0`` ..
(breakdown values, NULL in the "other" row), ``bd_other`` (1 for the "other" row) and
``value`` (DOUBLE PRECISION). One ``SELECT`` per series, ``UNION ALL``; intervals
without events have no row (the runner fills them). A planner answering from rollups
must return the same columns (see :mod:`shoplens.insights.runner`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import Breakdowns, compile_breakdowns, ranked
from shoplens.insights.compile.context import Binder, Compiled, Scope
from shoplens.insights.compile.dates import ResolvedRange, range_predicate, resolve_range, trunc
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.math import aggregate, math_value, per_user_value
from shoplens.insights.compile.sources import from_events
from shoplens.insights.properties import Catalogue
from shoplens.insights.schema import TrendsQuery


@dataclass
class ResolvedTrends:
    """A trends query resolved against one database: what a planner gets to decide on.

    ``range``: the local bounds; ``breakdowns``: the resolved properties (each with its
    ``prop.ref``, ``prop.join`` and bin edges); ``scope``: the joins and features the
    raw statement needs.
    """

    query: TrendsQuery
    range: ResolvedRange
    breakdowns: Breakdowns
    scope: Scope
    catalogue: Catalogue
    notes: list[str] = field(default_factory=list)


def _and(parts: list[exp.Expression | None]) -> exp.Expression | None:
    kept = [p for p in parts if p is not None]
    return exp.and_(*kept) if kept else None


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
    bucket = trunc(scope.local_time(), query.interval)
    common = filters_predicate(scope, query.filters, option="filters")
    bases = []
    for i, s in enumerate(query.series):
        option = f"series[{i}]"
        mv = math_value(scope, s, option=option)
        where = _and([range_predicate(scope, rng), event_predicate(scope, s.event, option=option),
                      common and common.copy(),
                      filters_predicate(scope, s.filters, option=f"{option}.filters")])
        cols = [exp.Literal.number(i).as_("series"), bucket.copy().as_("bucket")]
        cols += [b.expr.copy().as_(c) for b, c in zip(bds.items, bds.columns, strict=True)]
        cols += [exp.column("user_id", "e").as_("uid"), exp.column("session_id", "e").as_("sid"),
                 (mv.copy() if mv is not None else exp.null()).as_("mv")]
        bases.append((s, cols, where))
    selects = []
    for _i, (s, cols, where) in enumerate(bases):
        base = from_events(scope, exp.select(*cols))
        if where is not None:
            base = base.where(where)
        selects.append(_series_select(base, bds, s.math, s.math_property is not None))
    statement: exp.Expression = selects[0]
    for sel in selects[1:]:
        statement = exp.union(statement, sel, distinct=False)
    resolved = ResolvedTrends(query, rng, bds, scope, catalogue)
    return resolved, Compiled(statement, scope.binder.params, name="trends")


def _series_select(base: exp.Select, bds: Breakdowns, math: str, has_property: bool
                   ) -> exp.Select:
    cols = bds.columns
    limit = bds.limit
    if limit is not None:
        keep = exp.LTE(this=exp.column("bd_rank"), expression=exp.Literal.number(limit))
        cut = set(bds.cut_columns)
        mapped_cols = [exp.Case().when(keep.copy(), exp.column(c)).as_(c) if c in cut
                       else exp.column(c).as_(c) for c in cols]
        other = exp.Case().when(keep.copy(), exp.Literal.number(0)).else_(exp.Literal.number(1))
        source = ranked(base, bds).subquery("r")
    else:
        mapped_cols = [exp.column(c).as_(c) for c in cols]
        other = exp.Literal.number(0)
        source = base.subquery("r")
    mapped = exp.select("series", "bucket", *mapped_cols, other.as_("bd_other"),
                        "uid", "sid", "mv").from_(source)
    keys = ["series", "bucket", *cols, "bd_other"]
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
