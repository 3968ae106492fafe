"""Lifecycle: new, returning, resurrecting and dormant users per interval.

Definitions (PostHog's lifecycle insight), for the users doing the series' event (with
the query's filters), interval by interval in the query's time zone:

- **new**: the interval holds the user's first such event ever (the whole history
  before the range counts);
- **returning**: active in this interval and in the one before;
- **resurrecting**: active in this interval, not in the one before, but earlier;
- **dormant**: active in the interval before and not in this one, counted negative.

One statement: the distinct (user, interval) pairs of the history up to the range's
end, each with the previous and next active interval of its user (``LAG``/``LEAD``).
The interval after ``b`` is ``DATE_TRUNC(interval, b + 1, 7 or 31 days)`` and the one
before ``DATE_TRUNC(interval, b - 1 day)``: plain date arithmetic on every engine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.context import Compiled, Scope, check_engine
from shoplens.insights.compile.dates import ResolvedRange, buckets, label, trunc
from shoplens.insights.compile.rows import series_where
from shoplens.insights.compile.sources import from_events
from shoplens.insights.properties import Catalogue
from shoplens.insights.result import InsightResult
from shoplens.insights.schema import LifecycleQuery

STATUSES = ("new", "returning", "resurrecting", "dormant")
_NEXT_DAYS = {"day": 1, "week": 7, "month": 31}


def _days(n: int) -> exp.Expression:
    return exp.Interval(this=exp.Literal.string(str(n)), unit=exp.var("DAY"))


def compile_lifecycle(engine: Engine, query: LifecycleQuery, *, rng: ResolvedRange | None = None,
                      catalogue: Catalogue | None = None, plan: bool = True
                      ) -> tuple[Compiled, ResolvedRange, Scope]:
    """Rows ``bucket, status, users`` (dormant negative) for the range's intervals; with
    ``plan`` the active (user, interval) pairs come from the rollup planner when it
    covers the query (:mod:`shoplens.insights.planner.lifecycle`)."""
    from shoplens.insights.runner import prologue

    start = prologue(engine, query, rng=rng, catalogue=catalogue, plan=plan)
    scope, rng, acts, source = start.scope, start.rng, start.planned, start.source
    interval = query.interval
    if acts is None:
        # the whole history up to the range's end: "new" means first ever
        where = series_where(scope, None, query.series, query.filters, option="series")
        before_end = exp.LT(this=exp.column("event_time", "e"),
                            expression=scope.bind(rng.end_utc))
        where = exp.and_(before_end, where) if where is not None else before_end
        acts = from_events(scope, exp.select(
            exp.column("user_id", "e").as_("uid"),
            trunc(scope.local_time(), interval).as_("bucket")).distinct()).where(where)
    b = exp.column("bucket")
    by_user = {"partition_by": [exp.column("uid")], "order": exp.Order(expressions=[b.copy()])}
    linked = exp.select(
        "uid", "bucket",
        exp.Window(this=exp.func("LAG", b.copy()), **by_user).as_("prev_bucket"),
        exp.Window(this=exp.func("LEAD", b.copy()), **by_user).as_("next_bucket"),
        exp.Window(this=exp.func("MIN", b.copy()), partition_by=[exp.column("uid")]
                   ).as_("first_bucket"),
    ).from_(acts.subquery("a"))
    before = trunc(exp.Sub(this=b.copy(), expression=_days(1)), interval)
    after = trunc(exp.Add(this=b.copy(), expression=_days(_NEXT_DAYS[interval])), interval)
    classified = exp.select(
        "bucket",
        exp.Case()
        .when(exp.EQ(this=b.copy(), expression=exp.column("first_bucket")),
              exp.Literal.string("new"))
        .when(exp.EQ(this=exp.column("prev_bucket"), expression=before),
              exp.Literal.string("returning"))
        .else_(exp.Literal.string("resurrecting")).as_("status"),
        "next_bucket", after.as_("following"),
    ).from_(linked.subquery("l"))
    first = buckets(rng, interval)[0]
    lo, hi = scope.bind(first), scope.bind(rng.end)
    active = (exp.select("bucket", "status", exp.Count(this=exp.Star()).as_("users"))
              .from_("c")
              .where(exp.and_(exp.GTE(this=b.copy(), expression=lo),
                              exp.LT(this=b.copy(), expression=hi)))
              .group_by("bucket", "status"))
    f = exp.column("following")
    dormant = (exp.select(f.copy().as_("bucket"), exp.Literal.string("dormant").as_("status"),
                          exp.Neg(this=exp.Count(this=exp.Star())).as_("users"))
               .from_("c")
               .where(exp.and_(
                   exp.or_(exp.column("next_bucket").is_(exp.null()),
                           exp.GT(this=exp.column("next_bucket"), expression=f.copy())),
                   exp.GTE(this=f.copy(), expression=lo.copy()),
                   exp.LT(this=f.copy(), expression=hi.copy())))
               .group_by(f.copy()))
    # one classified CTE read twice: PostgreSQL and DuckDB materialize it once
    statement = exp.union(active, dormant, distinct=False).with_("c", as_=classified)
    return (Compiled(statement, scope.binder.params, source=source,
                     name="lifecycle" if source == "raw" else "lifecycle-rollups"), rng, scope)


def run_lifecycle(engine: Engine, query: LifecycleQuery, *, plan: bool = True
                  ) -> InsightResult:
    """Answer a lifecycle query: ``points`` with ``new``, ``returning``, ``resurrecting``
    and ``dormant`` (negative) users per interval (see the module's definitions);
    ``source`` is ``"rollups"`` when the planner answered."""
    compiled, rng, scope = compile_lifecycle(engine, query, plan=plan)
    check_engine(engine, scope)
    df = compiled.fetch_df(engine)
    counts: dict[tuple[dt.datetime, str], int] = {}
    for r in df.itertuples(index=False):
        ts = pd.Timestamp(r.bucket)
        key = (ts.tz_localize(None) if ts.tzinfo else ts).to_pydatetime()
        counts[(key, str(r.status))] = int(r.users)
    points: list[dict[str, Any]] = []
    for bucket in buckets(rng, query.interval):
        points.append({"date": label(bucket, query.interval),
                       **{s: counts.get((bucket, s), 0) for s in STATUSES}})
    frame = pd.DataFrame(
        [{"date": p["date"], "status": s, "users": p[s]} for p in points for s in STATUSES],
        columns=["date", "status", "users"])
    return InsightResult(kind="lifecycle", query=query.model_dump(mode="json"), frame=frame,
                         payload={"interval": query.interval, "points": points},
                         source=compiled.source, sql=[compiled.rendered(engine)],
                         date_from=rng.start.date().isoformat(),
                         date_to=rng.last_day.isoformat())


__all__ = ["STATUSES", "compile_lifecycle", "run_lifecycle"]
