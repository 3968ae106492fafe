"""The funnel's event rows: one per event that can play a part, with its step flags.

PostHog's ``FunnelEventQuery``: the events of the range (entries in ``[start, end)``,
later steps up to the global window after ``end``), the funnel-wide filters, and per
row the actor (``a``: user, or user and session), the time key ``k`` in microseconds,
one flag per step (``s0``..) and per exclusion (``x0``..), and the breakdown value
``bd``. Every value in it is a bound placeholder.
"""

from __future__ import annotations

from datetime import timedelta

from sqlglot import exp

from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.sources import from_events
from shoplens.insights.funnels.context import US, FunnelContext
from shoplens.insights.properties import col

#: inactivity that starts a new session where the tracker gave no session id
SESSION_GAP_US = 30 * 60 * US


def time_key(column: exp.Expression) -> exp.Expression:
    """Microseconds since 1970 as BIGINT (exact: PostgreSQL's EPOCH is numeric)."""
    epoch = exp.Extract(this=exp.var("EPOCH"), expression=column)
    return exp.cast(exp.Mul(this=epoch, expression=exp.Literal.number(US)), "bigint")


def _ors(parts: list[exp.Expression]) -> exp.Expression:
    return exp.paren(exp.or_(*parts), copy=False) if len(parts) > 1 else parts[0]


def _step_condition(ctx: FunnelContext, ref: str | None, filters: list, option: str,
                    ) -> exp.Expression:
    parts = [event_predicate(ctx.scope, ref, option=f"{option}.event"),
             filters_predicate(ctx.scope, filters, option=f"{option}.filters")]
    kept = [p for p in parts if p is not None]
    return exp.paren(exp.and_(*kept), copy=False) if kept else exp.true()


def event_rows(ctx: FunnelContext, *, all_events: bool = False,
               with_previous: bool = False) -> exp.Select:
    """``SELECT a, uid, ts, en, id, k, s0.., x0.., bd FROM events ...``.

    ``all_events`` keeps events that match no step (a strict funnel needs them: any
    event between two steps breaks it); ``with_previous`` adds ``pid``/``pk``, the id
    and time of the actor's previous event (of all its events, in time then id order).
    Event references, filters and the breakdown compile through the shared compilers
    (:mod:`shoplens.insights.compile`), which record the joins they need.
    """
    q, bind = ctx.query, ctx.bind
    step_conds = [_step_condition(ctx, s.event, list(s.filters), f"steps[{i}]")
                  for i, s in enumerate(q.steps)]
    excl_conds = [_step_condition(ctx, ex.event, list(ex.filters), f"exclusions[{i}]")
                  for i, ex in enumerate(q.exclusions)]
    gcond = filters_predicate(ctx.scope, list(q.filters), option="filters")
    bd: exp.Expression = exp.cast(exp.null(), "text")
    if q.breakdowns:
        _, expr = ctx.scope.property(q.breakdowns[0].property, option="breakdowns[0]")
        bd = exp.cast(expr, "text")

    where: list[exp.Expression] = []
    if ctx.start is not None:
        where.append(exp.GTE(this=col("event_time", "e"), expression=bind(ctx.start)))
    if ctx.end is not None:
        where.append(exp.LT(this=col("event_time", "e"),
                            expression=bind(ctx.end + timedelta(microseconds=ctx.window))))
    if gcond is not None:
        where.append(gcond)

    entry: exp.Expression = (exp.true() if ctx.end is None else
                             exp.LT(this=col("event_time", "e"), expression=bind(ctx.end)))
    cols: list[exp.Expression] = [
        exp.alias_(col("user_id", "e"), "uid"),
        exp.alias_(col("event_time", "e"), "ts"),
        exp.alias_(entry, "en"),
        exp.alias_(col("session_id", "e"), "sid"),
        exp.alias_(col("event_id", "e"), "id"),
        exp.alias_(time_key(col("event_time", "e")), "k"),
    ]
    cols += [exp.alias_(c, f"s{i}") for i, c in enumerate(step_conds)]
    cols += [exp.alias_(c, f"x{i}") for i, c in enumerate(excl_conds)]
    cols.append(exp.alias_(bd, "bd"))
    sel = from_events(ctx.scope, exp.select(*cols))
    sessions = ctx.query.count_by == "sessions"
    if not all_events and not sessions:
        where.append(_ors([c.copy() for c in step_conds + excl_conds]))
    if where:
        sel = sel.where(exp.and_(*where))
    rows = _with_actor(ctx, sel, with_previous=with_previous)
    if sessions and not all_events:  # sessions are formed from every event first
        rows = exp.select("*").from_(rows.subquery("v")).where(
            _ors([exp.column(f"s{i}") for i in range(ctx.n)]
                 + [exp.column(f"x{i}") for i in range(len(excl_conds))]))
    return rows


def _with_actor(ctx: FunnelContext, inner: exp.Select, *, with_previous: bool) -> exp.Select:
    """Wrap the rows with the actor column ``a`` (and previous-event columns)."""
    names = ["uid", "ts", "en", "id", "k", *[f"s{i}" for i in range(ctx.n)],
             *[f"x{i}" for i in range(len(ctx.query.exclusions))], "bd"]
    # Columns only some views read are NULL constants otherwise: the rows are
    # materialized and sorted once per step, and narrower rows sort faster (PostgreSQL
    # stores no bytes for a NULL). ``id`` orders attribution ties and links strict
    # steps; ``ts`` dates the entries (breakdowns, trends); ``uid`` is ``a`` when the
    # actors are users (see :func:`user_of`).
    q = ctx.query
    detail = bool(q.breakdowns) or q.view == "trends"
    blank = {"id": (not detail and not with_previous, "bigint"), "ts": (not detail, "timestamp"),
             "uid": (q.count_by == "users", "text")}
    src: exp.Expression = inner.subquery("r")
    if ctx.query.count_by == "sessions":
        src = _sessions(src)
        actor: exp.Expression = exp.DPipe(
            this=exp.DPipe(this=exp.column("uid"), expression=exp.Literal.string("/")),
            expression=exp.column("skey"))
    else:
        actor = exp.column("uid")
    cols: list[exp.Expression] = [exp.alias_(actor, "a")]
    for n in names:
        empty, kind = blank.get(n, (False, ""))
        cols.append(exp.alias_(exp.cast(exp.null(), kind), n) if empty else exp.column(n))
    sel = exp.select(*cols).from_(src)
    if with_previous:
        sel = exp.select("*").from_(sel.subquery("w"))
        order = [exp.Ordered(this=exp.column("k")), exp.Ordered(this=exp.column("id"))]
        for name, src_col in (("pid", "id"), ("pk", "k")):
            win = exp.Window(this=exp.Anonymous(this="LAG", expressions=[exp.column(src_col)]),
                             partition_by=[exp.column("a")], order=exp.Order(expressions=order))
            sel = sel.select(exp.alias_(win, name))
    return sel


def user_of(ctx: FunnelContext) -> str:
    """The column holding an actor's user id in the funnel's rows."""
    return "a" if ctx.query.count_by == "users" else "uid"


def _sessions(rows: exp.Expression) -> exp.Expression:
    """Rows with ``skey``: the tracker's session id, else the user's n-th run of events
    with gaps under 30 minutes (as :mod:`shoplens.events` forms sessions)."""
    part = [exp.column("uid"), exp.column("sid")]
    order = exp.Order(expressions=[exp.Ordered(this=exp.column("k")),
                                   exp.Ordered(this=exp.column("id"))])
    lag = exp.Window(this=exp.Anonymous(this="LAG", expressions=[exp.column("k")]),
                     partition_by=part, order=order)
    new = exp.Case(ifs=[
        exp.If(this=exp.Is(this=lag, expression=exp.null()), true=exp.Literal.number(1)),
        exp.If(this=exp.GT(this=exp.Sub(this=exp.column("k"), expression=lag.copy()),
                           expression=exp.Literal.number(SESSION_GAP_US)),
               true=exp.Literal.number(1))], default=exp.Literal.number(0))
    gapped = exp.select("*", exp.alias_(new, "ns")).from_(rows)
    running = exp.Window(this=exp.Sum(this=exp.column("ns")), partition_by=part, order=order.copy(),
                         spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                             end="CURRENT ROW"))
    skey = exp.func("COALESCE", exp.DPipe(this=exp.Literal.string("S"), expression=exp.column("sid")),
                    exp.DPipe(this=exp.Literal.string("G"), expression=exp.cast(running, "text")))
    return exp.select("*", exp.alias_(skey, "skey")).from_(gapped.subquery("g")).subquery("sk")
