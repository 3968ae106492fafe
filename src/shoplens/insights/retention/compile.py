"""The statement of a :class:`~shoplens.insights.schema.RetentionQuery`.

Rows ``cohort, bd_0, k, users, last_users, revenue``: for the entries of one cohort
(and breakdown value), the entries whose user did the return event in period ``k``
after the cohort's (``users``), the entries whose *last* such period is ``k``
(``last_users``: suffix sums give "in period k or later") and the net revenue of those
return events (``revenue``); plus rows with ``k = -1`` carrying the cohort sizes.

Entries: with ``first_time`` one per user, in the period of their first start event
ever (the history before the range counts; users whose first start falls in the range
only); with ``recurring`` one per user and period in which they did the start event.
Period indexes are whole days, Monday weeks (days since Monday 1900-01-01 over 7) or
``12 * year + month``, so ``k`` is a calendar difference of periods.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import compile_breakdowns
from shoplens.insights.compile.context import Binder, Compiled, Scope
from shoplens.insights.compile.dates import ResolvedRange, buckets, resolve_range, trunc
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.rows import and_all
from shoplens.insights.compile.sources import from_events
from shoplens.insights.properties import REVENUE_SQL, Catalogue
from shoplens.insights.schema import EventSeries, RetentionQuery

EPOCH = "DATE '1900-01-01'"  # a Monday


def period_index(bucket: exp.Expression, period: str) -> exp.Expression:
    """An integer numbering calendar periods (consecutive periods differ by one)."""
    day = exp.Cast(this=bucket, to=exp.DataType.build("DATE"))
    days = exp.Sub(this=day, expression=exp.maybe_parse(EPOCH, dialect="postgres"))
    if period == "day":
        return exp.Cast(this=days, to=exp.DataType.build("INTEGER"))
    if period == "week":
        return exp.Cast(this=exp.Div(this=exp.Paren(this=days), expression=exp.Literal.number(7)),
                        to=exp.DataType.build("INTEGER"))
    year = exp.Extract(this=exp.var("YEAR"), expression=bucket.copy())
    month = exp.Extract(this=exp.var("MONTH"), expression=bucket.copy())
    return exp.Cast(this=exp.Add(this=exp.Mul(this=year, expression=exp.Literal.number(12)),
                                 expression=month), to=exp.DataType.build("INTEGER"))


def _where(scope: Scope, series: EventSeries, query: RetentionQuery, option: str,
           extra: exp.Expression) -> exp.Expression:
    return and_all([extra, event_predicate(scope, series.event, option=f"{option}.event"),
                    filters_predicate(scope, query.filters, option="filters"),
                    filters_predicate(scope, series.filters, option=f"{option}.filters")])


def compile_retention(engine: Engine, query: RetentionQuery, *,
                      rng: ResolvedRange | None = None, catalogue: Catalogue | None = None
                      ) -> tuple[Compiled, ResolvedRange, Scope, object]:
    catalogue = catalogue or Catalogue(engine)
    rng = rng or resolve_range(engine, query.date_range)
    scope = Scope(catalogue, Binder(), timezone=query.date_range.timezone)
    bds = compile_breakdowns(scope, query.breakdowns)
    period = query.period
    bucket = trunc(scope.local_time(), period)
    t = exp.column("event_time", "e")
    first_bucket = buckets(rng, period)[0]
    lo, hi = scope.bind(first_bucket), scope.bind(rng.end)
    end = exp.LT(this=t.copy(), expression=scope.bind(rng.end_utc))
    bd = bds.items[0].expr.copy() if bds.items else exp.null()

    # start events: the whole history up to the range's end (first_time looks back)
    starts_where = _where(scope, query.start_event, query, "start_event", end)
    if query.retention_type == "recurring":
        starts_where = exp.and_(starts_where, exp.GTE(
            this=t.copy(), expression=scope.bind(_utc(first_bucket, rng))))
    starts = (exp.select(exp.column("user_id", "e").as_("uid"), bucket.copy().as_("cohort"),
                         bd.as_("bd_0"))
              .distinct())
    starts_q = starts.where(starts_where)
    if query.retention_type == "first_time":
        ranked = exp.select(
            "uid", "cohort", "bd_0",
            exp.Window(this=exp.func("MIN", exp.column("cohort")),
                       partition_by=[exp.column("uid")]).as_("first_cohort"))
        ranked = ranked.from_(from_events(scope, starts_q).subquery("s"))
        entries = (exp.select("uid", "cohort", exp.func("MIN", exp.column("bd_0")).as_("bd_0"))
                   .from_(ranked.subquery("r"))
                   .where(exp.EQ(this=exp.column("cohort"), expression=exp.column("first_cohort")))
                   .group_by("uid", "cohort"))
    else:
        entries = (exp.select("uid", "cohort", exp.func("MIN", exp.column("bd_0")).as_("bd_0"))
                   .from_(from_events(scope, starts_q).subquery("s"))
                   .group_by("uid", "cohort"))
    c = exp.column("cohort")
    entries = (exp.select("uid", "cohort", "bd_0", period_index(c.copy(), period).as_("cidx"))
               .from_(entries.subquery("en"))
               .where(exp.and_(exp.GTE(this=c.copy(), expression=lo),
                               exp.LT(this=c.copy(), expression=hi))))

    # return events inside the range's cohorts' span
    ret_where = _where(scope, query.return_event, query, "return_event", exp.and_(
        exp.GTE(this=t.copy(), expression=scope.bind(_utc(first_bucket, rng))), end.copy()))
    value = (exp.maybe_parse(REVENUE_SQL, dialect="postgres") if query.measure == "revenue"
             else exp.Literal.number(0))
    if query.measure == "revenue":
        scope.joins["products"] = None
    returns = (exp.select(exp.column("user_id", "e").as_("uid"), bucket.copy().as_("b"),
                          value.as_("v")).where(ret_where))
    returns = from_events(scope, returns)
    acts = (exp.select("uid", period_index(exp.column("b"), period).as_("pidx"),
                       exp.func("SUM", exp.column("v")).as_("revenue"))
            .from_(returns.subquery("rt")).group_by("uid", period_index(exp.column("b"), period)))
    n = exp.Literal.number(query.total_intervals)
    offsets = (exp.select(exp.column("uid", "en"), exp.column("cohort", "en"),
                          exp.column("bd_0", "en"),
                          exp.Sub(this=exp.column("pidx", "a"),
                                  expression=exp.column("cidx", "en")).as_("k"),
                          exp.column("revenue", "a"))
               .from_(entries.subquery("en"))
               .join(acts.subquery("a"), on=exp.and_(
                   exp.EQ(this=exp.column("uid", "a"), expression=exp.column("uid", "en")),
                   exp.GTE(this=exp.column("pidx", "a"), expression=exp.column("cidx", "en")),
                   exp.LT(this=exp.column("pidx", "a"),
                          expression=exp.Add(this=exp.column("cidx", "en"), expression=n))),
                     join_type="inner"))
    last = (exp.select("uid", "cohort", "bd_0", exp.func("MAX", exp.column("k")).as_("k"))
            .from_(offsets.subquery("o")).group_by("uid", "cohort", "bd_0"))
    zero = exp.Literal.number(0)
    dbl = exp.DataType.build("DOUBLE PRECISION")
    cells = (exp.select("cohort", "bd_0", "k", exp.Count(this=exp.Star()).as_("users"),
                        zero.copy().as_("last_users"),
                        exp.Cast(this=exp.func("SUM", exp.column("revenue")), to=dbl
                                 ).as_("revenue"))
             .from_(offsets.subquery("o")).group_by("cohort", "bd_0", "k"))
    lasts = (exp.select("cohort", "bd_0", "k", zero.copy().as_("users"),
                        exp.Count(this=exp.Star()).as_("last_users"),
                        exp.Cast(this=zero.copy(), to=dbl).as_("revenue"))
             .from_(last.subquery("l")).group_by("cohort", "bd_0", "k"))
    sizes = (exp.select("cohort", "bd_0", exp.Literal.number(-1).as_("k"),
                        exp.Count(this=exp.Star()).as_("users"), zero.copy().as_("last_users"),
                        exp.Cast(this=zero.copy(), to=dbl).as_("revenue"))
             .from_(entries.subquery("en")).group_by("cohort", "bd_0"))
    statement = exp.union(exp.union(cells, lasts, distinct=False), sizes, distinct=False)
    return Compiled(statement, scope.binder.params, name="retention"), rng, scope, bds


def _utc(local_start: object, rng: ResolvedRange) -> object:
    from shoplens.insights.compile.dates import to_utc

    return to_utc(local_start, rng.timezone)  # type: ignore[arg-type]
