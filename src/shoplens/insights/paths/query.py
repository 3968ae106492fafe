"""The SQL of paths: each actor's first ``steps`` nodes after the start point (or before
the end point), as SQLGlot expressions with every value bound.

A node is the event's name (``event``), journey stage (``stage``), product category
(``category``) or page (``page``: an event property holding the URL or screen name).
Events whose node is excluded are dropped; names matching a wildcard grouping
(``product*``) become the grouping; repeats of the same node in a row collapse into
one. Paths run per session (the tracker's session id, else runs of a user's events
without a gap longer than ``session_gap``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.sources import from_events
from shoplens.insights.funnels.base import select
from shoplens.insights.funnels.events import time_key
from shoplens.insights.properties import Catalogue, col, json_text
from shoplens.insights.schema import PathsQuery, parse_duration

SEP = " > "
END = "(end)"


@dataclass
class PathsContext:
    query: PathsQuery
    catalogue: Catalogue
    start: datetime | None = None
    end: datetime | None = None
    scope: Scope = field(init=False)

    def __post_init__(self) -> None:
        self.fresh()

    def fresh(self) -> None:
        """A new statement: its own bound values and joins."""
        self.scope = Scope(self.catalogue, timezone=self.query.date_range.timezone)

    def bind(self, value: object) -> exp.Placeholder:
        return self.scope.bind(value)

    @property
    def params(self) -> dict[str, object]:
        return dict(self.scope.binder.params)

    @property
    def page_key(self) -> str:
        return (self.query.page_property or "url").removeprefix("event.")


def node_expr(ctx: PathsContext) -> exp.Expression:
    level = ctx.query.level
    if level == "stage":
        return ctx.scope.property("event.stage", option="level")[1]
    if level == "category":
        return ctx.scope.property("product.category", option="level")[1]
    if level == "page":
        return json_text(ctx.page_key)
    return col("raw_event", "e")


def grouped(ctx: PathsContext, node: exp.Expression) -> exp.Expression:
    """Names matching a wildcard become the wildcard itself (``product*``)."""
    if not ctx.query.groupings:
        return node
    ifs = []
    for g in ctx.query.groupings:
        pattern = g.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
        ifs.append(exp.If(this=exp.Like(this=node.copy(), expression=ctx.bind(pattern)),
                          true=ctx.bind(g)))
    return exp.Case(ifs=ifs, default=node)


def base_rows(ctx: PathsContext) -> exp.Select:
    """``a`` (session), ``k``, ``id``, ``node`` of every kept event."""
    q, bind = ctx.query, ctx.bind
    node = node_expr(ctx)
    fcond = filters_predicate(ctx.scope, list(q.filters), option="filters")
    sel = from_events(ctx.scope, exp.select(
        exp.alias_(col("user_id", "e"), "uid"), exp.alias_(col("session_id", "e"), "sid"),
        exp.alias_(col("event_id", "e"), "id"), exp.alias_(time_key(col("event_time", "e")), "k"),
        exp.alias_(exp.cast(grouped(ctx, node), "text"), "node"),
    ))
    where: list[exp.Expression] = [exp.Not(this=exp.Is(this=node.copy(), expression=exp.null()))]
    if ctx.start is not None:
        where.append(exp.GTE(this=col("event_time", "e"), expression=bind(ctx.start)))
    if ctx.end is not None:
        where.append(exp.LT(this=col("event_time", "e"), expression=bind(ctx.end)))
    if fcond is not None:
        where.append(fcond)
    if q.exclude:
        where.append(exp.Not(this=exp.In(this=node.copy(), expressions=[bind(x) for x in q.exclude])))
    return sel.where(exp.and_(*where))


#: one ordering for every window of paths: a session's events in time, then id, order
_ORDER = "PARTITION BY uid, sid ORDER BY k, id"


def path_rows(ctx: PathsContext) -> list[tuple[str, exp.Expression]]:
    """CTEs ending in ``pp``: one row per session path, its nodes in ``n1`` .. ``nN``
    (NULL past the path's end).

    Two window passes, both over the same ordering of a (user, tracker session)'s events
    (so PostgreSQL and Spark sort once per pass and DuckDB twice in all), never a join:

    1. ``pw``: per event the previous event's time and node (``LAG``): a gap longer than
       ``session_gap`` starts a session (``ns``), a node equal to the previous one in the
       session is a repeat (dropped when collapsing), and ``rn``, its index.
    2. ``pv``: over the kept events, the next (or previous) ``N - 1`` nodes with
       ``LEAD``/``LAG`` and whether a session starts in between (forwards: the node
       read is NULL where a session starts; backwards: a frame ``SUM(ns)``): the path
       of a session is read off the row it starts at, so no per-session ``GROUP BY`` or
       ordered aggregate is needed. The start row is the session's first event, its
       first start point (no start point since the session began: ``MAX`` of start
       indices before the row against the session's first index), or, for an end point
       alone, its first end point read backwards. With both, a path runs from the first
       start to the first end at or after it (the session must have one), cut at ``N``
       nodes.
    """
    q = ctx.query
    gap = parse_duration(q.session_gap) * 1_000_000
    n = q.steps
    ctes: list[tuple[str, exp.Expression]] = [("pe", base_rows(ctx))]
    keep = "ns = 1 OR pn IS NULL OR pn <> node" if q.collapse_repeats else "TRUE"
    ctes.append(("pw", select(
        f"SELECT uid, sid, k, id, node, CASE WHEN pk IS NULL OR k - pk > {gap} THEN 1 ELSE 0 "
        f"END AS ns, pn, rn FROM (SELECT uid, sid, k, id, node, LAG(k) OVER ({_ORDER}) AS pk, "
        f"LAG(node) OVER ({_ORDER}) AS pn, ROW_NUMBER() OVER ({_ORDER}) AS rn FROM pe) AS z")))
    ctes.append(("pk", select(f"SELECT * FROM pw WHERE {keep}")))

    def rows(lo: str, hi: str) -> str:
        return f"ROWS BETWEEN {lo} AND {hi}"

    def flag(value: str | None) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.column("node"),
                                                expression=ctx.bind(value)),
                                    true=exp.Literal.number(1))], default=exp.Literal.number(0))

    wins: list[str] = []
    cols: list[str] = ["node AS n1"]
    backwards = bool(q.end) and not q.start
    for i in range(1, n):
        if backwards:
            # the i-th node before the end point, if no session starts after it
            wins += [f"LAG(node, {i}) OVER ({_ORDER}) AS v{i}",
                     f"SUM(ns) OVER ({_ORDER} {rows(f'{i - 1} PRECEDING', 'CURRENT ROW')}) AS b{i}"]
        else:
            # the i-th next node, NULL where that event starts a session (nodes are never
            # NULL): the path goes on while every next node up to the i-th is there, so
            # no frame SUM of session starts is needed (one LEAD per offset, the cheapest
            # window function: 8 functions in this pass became 4)
            wins.append(f"LEAD(CASE WHEN ns = 1 THEN NULL ELSE node END, {i}) OVER ({_ORDER}) "
                        f"AS v{i}")
            cut = ""
            if q.start and q.end:  # nothing after the first end point
                wins.append(f"SUM(ef) OVER ({_ORDER} {rows('CURRENT ROW', f'{i - 1} FOLLOWING')}) "
                            f"AS e{i}")
                cut = f" AND e{i} = 0"
            there = " AND ".join(f"v{j} IS NOT NULL" for j in range(1, i + 1))
            cols.append(f"CASE WHEN {there}{cut} THEN v{i} END AS n{i + 1}")
    if backwards:  # v{N-1} .. v1, node: the earliest node first, NULLs (none) at the end
        cols = []
        for pos in range(1, n + 1):
            # position pos holds the (n - pos)-th previous node shifted past missing ones
            cols.append(_backwards_col(pos, n))
    marks = ["ns"]
    where = "ns = 1"
    if q.start or q.end:
        point = q.start or q.end
        wins += [f"MAX(CASE WHEN pf = 1 THEN rn END) OVER ({_ORDER} "
                 f"{rows('UNBOUNDED PRECEDING', '1 PRECEDING')}) AS lp",
                 f"MAX(CASE WHEN ns = 1 THEN rn END) OVER ({_ORDER} "
                 f"{rows('UNBOUNDED PRECEDING', 'CURRENT ROW')}) AS ls"]
        where = "pf = 1 AND (lp IS NULL OR lp < ls)"
        marks.append("pf")
        if q.start and q.end:
            wins += [f"MIN(CASE WHEN ef = 1 THEN rn END) OVER ({_ORDER} "
                     f"{rows('CURRENT ROW', 'UNBOUNDED FOLLOWING')}) AS ne",
                     f"MIN(CASE WHEN ns = 1 THEN rn END) OVER ({_ORDER} "
                     f"{rows('1 FOLLOWING', 'UNBOUNDED FOLLOWING')}) AS nx"]
            where += " AND ne IS NOT NULL AND (nx IS NULL OR ne < nx)"
            marks.append("ef")
        flagged = exp.select("*", exp.alias_(flag(point), "pf"))
        if q.start and q.end:
            flagged = flagged.select(exp.alias_(flag(q.end), "ef"))
        ctes.append(("pf", flagged.from_("pk")))
        src = "pf"
    else:
        src = "pk"
    inner = f"SELECT uid, sid, node, {', '.join(marks)}, {', '.join(wins)} FROM {src}"
    ctes.append(("pp", select(f"SELECT {', '.join(cols)} FROM ({inner}) AS z WHERE {where}")))
    return ctes


def _backwards_col(pos: int, n: int) -> str:
    """Node ``pos`` of a path read backwards from its end point: the path is the
    ``m`` nodes available (``v{m-1}`` .. ``v1``, ``node``), ``m`` at most ``n``."""
    # m = 1 + the number of previous nodes in the session (b{i} = 0 for i <= m - 1)
    avail = [f"CASE WHEN b{i} = 0 THEN 1 ELSE 0 END" for i in range(1, n)]
    m = "1 + " + " + ".join(avail) if avail else "1"
    # node pos = v{m - pos} (v0 = node); NULL when pos > m
    arms = " ".join(f"WHEN {m_} THEN {'node' if m_ - pos == 0 else f'v{m_ - pos}'}"
                    for m_ in range(pos, n + 1))
    return f"CASE {m} {arms} END AS n{pos}"


def with_ctes(ctes: list[tuple[str, exp.Expression]], body: exp.Select) -> exp.Select:
    for name, tree in ctes:
        body = body.with_(name, as_=tree)
    return body


def paths_query(ctx: PathsContext) -> exp.Select:
    """Sessions per path (``n1`` .. ``nN``, NULL past the path's end, and ``n``): every
    other output (links, drop-offs, the step matrix) follows from this one table."""
    ctx.fresh()
    cols = ", ".join(f"n{i}" for i in range(1, ctx.query.steps + 1))
    return with_ctes(path_rows(ctx), select(
        f"SELECT {cols}, COUNT(*) AS n FROM pp GROUP BY {cols}"))
