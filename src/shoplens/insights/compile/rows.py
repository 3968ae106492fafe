"""The event rows every insight aggregates, and the top-N "other" mapping over them.

:func:`series_rows` selects, for one series, ``series`` (its index), ``bucket`` (the
interval start of the event's local time), ``bd_0`` .. (breakdown values), ``uid``,
``sid`` and ``mv`` (the math property) from ``events`` with the joins, date range,
event reference and filters. :func:`mapped_rows` adds ``bd_other`` and blanks the cut
breakdown values past the top N (:func:`~shoplens.insights.compile.breakdowns.ranked`).
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.compile.breakdowns import Breakdowns, ranked
from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import ResolvedRange, range_predicate, trunc
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.schema import EventSeries, FilterGroup, PropertyFilter


def and_all(parts: list[exp.Expression | None]) -> exp.Expression | None:
    kept = [p for p in parts if p is not None]
    return exp.and_(*kept) if kept else None


def series_where(scope: Scope, rng: ResolvedRange | None, series: EventSeries,
                 filters: list[PropertyFilter | FilterGroup], *, option: str
                 ) -> exp.Expression | None:
    """Date range (if any), event reference, the query's filters and the series' own."""
    return and_all([
        range_predicate(scope, rng) if rng is not None else None,
        event_predicate(scope, series.event, option=f"{option}.event"),
        filters_predicate(scope, filters, option="filters"),
        filters_predicate(scope, series.filters, option=f"{option}.filters"),
    ])


def series_rows(scope: Scope, index: int, interval: str, bds: Breakdowns,
                mv: exp.Expression | None, where: exp.Expression | None, *,
                bucket: exp.Expression | None = None) -> list[exp.Expression]:
    """The select list of one series' rows (FROM and joins are added by the caller with
    :func:`~shoplens.insights.compile.sources.from_events`, once every property of the
    statement has recorded its join). ``bucket`` replaces the interval's bucket (one
    bucket for the whole range: a trends query's ``display="total"``)."""
    if bucket is None:
        bucket = trunc(scope.local_time(), interval)
    cols: list[exp.Expression] = [exp.Literal.number(index).as_("series"),
                                  bucket.as_("bucket")]
    cols += [b.expr.copy().as_(c) for b, c in zip(bds.items, bds.columns, strict=True)]
    cols += [exp.column("user_id", "e").as_("uid"), exp.column("session_id", "e").as_("sid"),
             (mv.copy() if mv is not None else exp.null()).as_("mv")]
    return cols


def mapped_rows(base: exp.Select, bds: Breakdowns, extra: tuple[str, ...] = ("uid", "sid", "mv"),
                *, rank_value: exp.Expression | None = None) -> exp.Select:
    """``series, bucket, bd_*, bd_other, uid, sid, mv`` with values past the top N grouped
    (ranked by number of rows, or by the aggregate ``rank_value``)."""
    cols = bds.columns
    limit = bds.limit
    if limit is not None:
        keep = exp.LTE(this=exp.column("bd_rank"), expression=exp.Literal.number(limit))
        cut = set(bds.cut_columns)
        mapped_cols = [exp.Case().when(keep.copy(), exp.column(c)).as_(c) if c in cut
                       else exp.column(c).as_(c) for c in cols]
        other: exp.Expression = exp.Case().when(keep.copy(), exp.Literal.number(0)).else_(
            exp.Literal.number(1))
        source = ranked(base, bds, rank_value).subquery("r")
    else:
        mapped_cols = [exp.column(c).as_(c) for c in cols]
        other = exp.Literal.number(0)
        source = base.subquery("r")
    return exp.select("series", "bucket", *mapped_cols, other.as_("bd_other"),
                      *extra).from_(source)
