"""The statement of a :class:`~shoplens.insights.schema.RetentionQuery`.

Built on two relations (:mod:`shoplens.insights.retention.sources`): the start events
and the return events per user and day, read from ``events`` or, when the planner
covers the query, from the user-day rollup. Rows ``cohort, bd_0, k, users,
first_users, last_users, orders, revenue, entry_min, entry_max, from_signup_date,
from_first_seen``:

- ``k >= 0``: for the entries of one cohort (and breakdown value), the entries whose
  user did the return event in offset ``k`` (``users``), whose first / last such offset
  is ``k`` (``first_users`` / ``last_users``: prefix and suffix sums give "in 0..k" and
  "in k or later"), and the orders and net revenue of those return events; ``k =
  total_intervals`` gathers every later offset (for "k or later");
- ``k = -1``: the cohort's size, its first and last entry day and, for signup cohorts,
  how many entries came from ``signup_date`` and from ``first_seen``.

Entries: ``first_time``: one per user, on the day of their first start event ever (the
history before the range counts); ``recurring``: one per user and period with a start
event, on its first such day; ``cohort_by="signup"``: one per user on ``signup_date``,
else the day of ``first_seen``, else of the first start event. A return event counts
from the entry's day on; its offset is the calendar difference of ``offset_unit``
periods between its day and the entry's day. Period indexes are whole days, Monday
weeks (days since Monday 1900-01-01 over 7) or ``12 * year + month``.

The SQLGlot builders run with ``copy=False``: each relation is built once and used
once, and copying the growing trees at every step was most of the compile's time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import compile_breakdowns
from shoplens.insights.compile.context import Compiled, Scope
from shoplens.insights.compile.dates import ResolvedRange, buckets, trunc
from shoplens.insights.properties import Catalogue
from shoplens.insights.retention.sources import DATE, RetentionSources, raw_sources
from shoplens.insights.schema import RetentionQuery

EPOCH = "DATE '1900-01-01'"  # a Monday
DOUBLE = exp.DataType.build("DOUBLE PRECISION")
BIGINT = exp.DataType.build("BIGINT")
TIMESTAMP = exp.DataType.build("TIMESTAMP")


def period_index(bucket: exp.Expression, period: str) -> exp.Expression:
    """An integer numbering calendar periods (consecutive periods differ by one);
    ``bucket`` is the period's start (a Monday for weeks)."""
    day = exp.Cast(this=bucket, to=DATE.copy())
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


def day_index(day: exp.Expression, unit: str) -> exp.Expression:
    """The ``unit`` period index of a DATE. Weeks: the whole weeks since Monday
    1900-01-01, ``FLOOR(days / 7)`` (a ``DATE_TRUNC`` to the Monday per row cost more
    than the rest of the offset's arithmetic)."""
    if unit == "week":
        days = exp.Cast(this=period_index(day, "day"), to=DOUBLE.copy())
        return exp.Cast(this=exp.Floor(this=exp.Div(this=days, expression=exp.Literal.number(7))),
                        to=exp.DataType.build("INTEGER"))
    return period_index(day, unit)


def lower_bound(query: RetentionQuery, rng: ResolvedRange) -> dt.datetime:
    """The first local moment whose return events count: the range's first cohort
    period (``started``) or the observed window's start (``observed``)."""
    if query.censoring == "observed":
        return rng.start
    return buckets(rng, query.period)[0]


def compile_retention(engine: Engine, query: RetentionQuery, *,
                      rng: ResolvedRange | None = None, catalogue: Catalogue | None = None,
                      plan: bool = True) -> tuple[Compiled, ResolvedRange, Scope, Any]:
    """The statement (rows as the module says), its range, scope and breakdowns; with
    ``plan`` the rollup planner supplies the relations when it covers the query."""
    from shoplens.insights.runner import prologue

    start = prologue(engine, query, rng=rng, catalogue=catalogue, plan=plan)
    scope, rng = start.scope, start.rng
    sources: RetentionSources | None = start.planned
    lo = lower_bound(query, rng)
    bds = compile_breakdowns(scope, query.breakdowns)
    if sources is None:
        bd = bds.items[0].expr.copy() if bds.items else exp.null()
        sources = raw_sources(scope, query, rng, bd, lo)
    statement = _statement(scope, query, rng, sources)
    name = "retention" if sources.source == "raw" else "retention-rollups"
    return (Compiled(statement, scope.binder.params, source=sources.source, name=name),
            rng, scope, bds)


def _entries(scope: Scope, query: RetentionQuery, rng: ResolvedRange,
             starts: exp.Select) -> exp.Select:
    """``uid, cohort, entry_day, bd_0, src, eidx``: one row per entry."""
    c = exp.column("cohort")
    d = exp.column("d")
    if query.cohort_by == "signup":
        entries = _signup_entries(scope, query, starts)
    elif query.retention_type == "first_time" and not query.breakdowns:
        # the first start day's period is the earliest period: one grouping, no window
        entries = (exp.select("uid", exp.func("MIN", c.copy()).as_("cohort"),
                              exp.func("MIN", d.copy()).as_("entry_day"),
                              exp.func("MIN", exp.column("bd_0")).as_("bd_0"),
                              exp.Literal.string("event").as_("src"))
                   .from_(starts.subquery("s", copy=False), copy=False).group_by("uid", copy=False))
    elif query.retention_type == "first_time":
        # the breakdown value is the smallest of the first period's start events
        ranked = exp.select("uid", "d", "cohort", "bd_0", exp.Window(
            this=exp.func("MIN", c.copy()), partition_by=[exp.column("uid")]
        ).as_("first_cohort")).from_(starts.subquery("s", copy=False), copy=False)
        entries = (exp.select("uid", "cohort", exp.func("MIN", d.copy()).as_("entry_day"),
                              exp.func("MIN", exp.column("bd_0")).as_("bd_0"),
                              exp.Literal.string("event").as_("src"))
                   .from_(ranked.subquery("r", copy=False), copy=False)
                   .where(exp.EQ(this=c.copy(), expression=exp.column("first_cohort")), copy=False)
                   .group_by("uid", "cohort", copy=False))
    else:
        entries = (exp.select("uid", "cohort", exp.func("MIN", d.copy()).as_("entry_day"),
                              exp.func("MIN", exp.column("bd_0")).as_("bd_0"),
                              exp.Literal.string("event").as_("src"))
                   .from_(starts.subquery("s", copy=False), copy=False).group_by("uid", "cohort", copy=False))
    if query.censoring == "observed":
        keep = exp.LTE(this=exp.column("entry_day"), expression=scope.bind(rng.last_day))
    else:
        keep = exp.and_(exp.GTE(this=c.copy(), expression=scope.bind(buckets(rng, query.period)[0])),
                        exp.LT(this=c.copy(), expression=scope.bind(rng.end)))
    return (exp.select("uid", "cohort", "entry_day", "bd_0", "src",
                       day_index(exp.column("entry_day"), query.offset_unit).as_("eidx"))
            .from_(entries.subquery("en0", copy=False), copy=False).where(keep, copy=False))


def _signup_entries(scope: Scope, query: RetentionQuery, starts: exp.Select) -> exp.Select:
    """Every user on their signup day, else the day they were first seen, else the day
    of their first start event (users without a ``users`` row too)."""
    first = (exp.select("uid", exp.func("MIN", exp.column("d")).as_("first_day"))
             .from_(starts.subquery("s", copy=False), copy=False).group_by("uid", copy=False))
    signup, seen = exp.column("signup_date", "u"), exp.column("first_seen", "u")
    seen_day = exp.Cast(this=_local(scope, seen), to=DATE.copy())
    anchors = (exp.select(
        exp.func("COALESCE", exp.column("user_id", "u"), exp.column("uid", "f")).as_("uid"),
        exp.func("COALESCE", exp.Cast(this=signup.copy(), to=DATE.copy()), seen_day,
                 exp.column("first_day", "f")).as_("entry_day"),
        exp.Case().when(signup.copy().is_(exp.null()).not_(), exp.Literal.string("signup_date"))
        .when(seen.copy().is_(exp.null()).not_(), exp.Literal.string("first_seen"))
        .else_(exp.Literal.string("first_event")).as_("src"))
        .from_(exp.to_table("users").as_("u"), copy=False)
        .join(first.subquery("f", copy=False), on="f.uid = u.user_id", join_type="full outer", copy=False))
    cohort = trunc(exp.Cast(this=exp.column("entry_day"), to=TIMESTAMP.copy()), query.period)
    return (exp.select("uid", cohort.as_("cohort"), "entry_day",
                       exp.Cast(this=exp.null(), to=exp.DataType.build("TEXT")).as_("bd_0"),
                       "src")
            .from_(anchors.subquery("an", copy=False), copy=False)
            .where(exp.column("entry_day").is_(exp.null()).not_(), copy=False))


def _local(scope: Scope, column: exp.Expression) -> exp.Expression:
    """A stored UTC timestamp read in the query's time zone."""
    if scope.timezone == "UTC":
        return column
    scope.need("timezone", "date_range.timezone")
    utc = exp.AtTimeZone(this=column, zone=exp.Literal.string("UTC"))
    return exp.AtTimeZone(this=exp.Paren(this=utc), zone=exp.Literal.string(scope.timezone))


def _row(cohort: str, k: exp.Expression | str, users: exp.Expression | int = 0,
         first: exp.Expression | int = 0, last: exp.Expression | int = 0,
         orders: exp.Expression | int = 0, revenue: exp.Expression | None = None,
         entries: tuple[exp.Expression, ...] | None = None) -> list[exp.Expression]:
    """The statement's columns in order (constants where a part has none)."""
    def num(v: exp.Expression | int) -> exp.Expression:
        return exp.Literal.number(v) if isinstance(v, int) else v

    null_day = exp.Cast(this=exp.null(), to=DATE.copy())
    e = entries or (null_day, null_day.copy(), exp.Literal.number(0), exp.Literal.number(0))
    return [exp.column(cohort).as_("cohort"), exp.column("bd_0").as_("bd_0"),
            (exp.column(k) if isinstance(k, str) else k).as_("k"),
            num(users).as_("users"), num(first).as_("first_users"), num(last).as_("last_users"),
            exp.Cast(this=num(orders), to=BIGINT.copy()).as_("orders"),
            exp.Cast(this=revenue if revenue is not None else exp.Literal.number(0),
                     to=DOUBLE.copy()).as_("revenue"),
            e[0].as_("entry_min"), e[1].as_("entry_max"),
            e[2].as_("from_signup_date"), e[3].as_("from_first_seen")]


def _statement(scope: Scope, query: RetentionQuery, rng: ResolvedRange,
               sources: RetentionSources) -> exp.Expression:
    n = query.total_intervals
    entries = _entries(scope, query, rng, sources.starts)
    rets = (exp.select("uid", "d", day_index(exp.column("d"), query.offset_unit).as_("pidx"),
                       "revenue", "orders").from_(sources.returns.subquery("rt", copy=False), copy=False))
    if query.measure == "revenue":  # a day without revenue adds nothing to any cell
        rets = rets.where(exp.column("revenue").is_(exp.null()).not_(), copy=False)
    elif query.measure == "users":
        # a user returns in offset period p of an entry iff their last return day of p
        # is on or after the entry's day: one row per (user, period) joins, not per day
        # (and, grouped, the relation is never probed through an index per entry)
        rets = (exp.select("uid", "pidx", exp.func("MAX", exp.column("d")).as_("d"),
                           exp.func("MIN", exp.column("revenue")).as_("revenue"),
                           exp.func("MIN", exp.column("orders")).as_("orders"))
                .from_(rets.subquery("rd", copy=False), copy=False)
                .group_by("uid", "pidx", copy=False))
    k = exp.Sub(this=exp.column("pidx", "a"), expression=exp.column("eidx", "en"))
    on = [exp.EQ(this=exp.column("uid", "a"), expression=exp.column("uid", "en")),
          exp.GTE(this=exp.column("d", "a"), expression=exp.column("entry_day", "en"))]
    if query.cells == "on_or_after":  # later offsets gather in k = n
        k = exp.func("LEAST", k, exp.Literal.number(n))
    else:
        on.append(exp.LT(this=exp.column("pidx", "a"), expression=exp.Add(
            this=exp.column("eidx", "en"), expression=exp.Literal.number(n))))
    offsets = (exp.select(exp.column("uid", "en"), exp.column("cohort", "en"),
                          exp.column("bd_0", "en"), k.as_("k"), exp.column("revenue", "a"),
                          exp.column("orders", "a"))
               .from_(exp.to_table("entries").as_("en"), copy=False)
               .join(rets.subquery("a", copy=False), on=exp.and_(*on), join_type="inner", copy=False))
    keys = ("uid", "cohort", "bd_0", "k")
    per_entry = (exp.select(*keys, exp.func("SUM", exp.column("revenue")).as_("revenue"),
                            exp.func("SUM", exp.column("orders")).as_("orders"))
                 .from_(offsets.subquery("o", copy=False), copy=False).group_by(*keys, copy=False))
    group = ("cohort", "bd_0", "k")
    count = exp.Count(this=exp.Star())
    parts = [exp.select(*_row("cohort", "k", users=count, orders=exp.func(
        "SUM", exp.column("orders")), revenue=exp.func("SUM", exp.column("revenue"))))
        .from_(exp.to_table("per_entry").as_("pe"), copy=False).group_by(*group, copy=False)]
    which = {"on_or_after": ("MAX", "last"), "up_to": ("MIN", "first")}.get(query.cells)
    if which is not None and query.measure == "users":
        span = (exp.select("uid", "cohort", "bd_0", exp.func(which[0], exp.column("k")).as_("k"))
                .from_(exp.to_table("per_entry").as_("pe"), copy=False)
                .group_by("uid", "cohort", "bd_0", copy=False))
        parts.append(exp.select(*_row("cohort", "k", **{which[1]: count.copy()}))
                     .from_(span.subquery("sp", copy=False), copy=False).group_by(*group, copy=False))
    src = exp.column("src")

    def from_src(name: str) -> exp.Expression:
        return exp.func("SUM", exp.Case().when(exp.EQ(
            this=src.copy(), expression=exp.Literal.string(name)), exp.Literal.number(1))
            .else_(exp.Literal.number(0)))

    entry_cols = (exp.func("MIN", exp.column("entry_day")), exp.func("MAX", exp.column("entry_day")),
                  from_src("signup_date"), from_src("first_seen"))
    parts.append(exp.select(*_row("cohort", exp.Literal.number(-1), users=count.copy(),
                                  entries=entry_cols))
                 .from_(exp.to_table("entries").as_("en"), copy=False).group_by("cohort", "bd_0", copy=False))
    statement: exp.Query = parts[0]
    for part in parts[1:]:
        statement = exp.union(statement, part, distinct=False, copy=False)
    # named once and read by several parts: PostgreSQL (12+) and DuckDB compute a CTE
    # referenced more than once a single time, where repeated subqueries ran per part
    # (3x the entries, 2x the join: most of the statement's time at 1M events)
    return (statement.with_("entries", as_=entries, copy=False)
            .with_("per_entry", as_=per_entry, copy=False))
