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
from shoplens.insights.funnels.base import select, sql
from shoplens.insights.funnels.events import time_key
from shoplens.insights.properties import Catalogue, col, json_text
from shoplens.insights.schema import PathsQuery, parse_duration

SEP = " > "
#: the columns that name a session, and their equality between two aliases
_KEY = "{x}.uid, {x}.sid, {x}.sn"
_SAME = ("{x}.uid = {y}.uid AND {x}.sn = {y}.sn AND "
         "({x}.sid = {y}.sid OR ({x}.sid IS NULL AND {y}.sid IS NULL))")
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


def path_rows(ctx: PathsContext) -> list[tuple[str, exp.Expression]]:
    """CTEs ending in ``steps``: ``a``, ``step`` (1..N), ``node``, ``nxt`` (the next
    node, NULL where the path ends)."""
    q = ctx.query
    gap = parse_duration(q.session_gap) * 1_000_000
    n = q.steps
    ctes: list[tuple[str, exp.Expression]] = [("pe", base_rows(ctx))]
    ctes.append(("ps", select(
        "SELECT *, CASE WHEN LAG(k) OVER (PARTITION BY uid, sid ORDER BY k, id) IS NULL "
        f"OR k - LAG(k) OVER (PARTITION BY uid, sid ORDER BY k, id) > {gap} THEN 1 ELSE 0 END "
        "AS ns FROM pe")))
    # the session: (uid, sid, sn), never a concatenated text key (cheaper to sort)
    ctes.append(("pa", select(
        "SELECT uid, sid, SUM(ns) OVER (PARTITION BY uid, sid ORDER BY k, id ROWS BETWEEN "
        "UNBOUNDED PRECEDING AND CURRENT ROW) AS sn, k, id, node FROM ps")))
    keep = "prev IS NULL OR prev <> node" if q.collapse_repeats else "TRUE"
    ctes.append(("pc", select(
        "SELECT uid, sid, sn, k, id, node FROM (SELECT uid, sid, sn, k, id, node, LAG(node) "
        f"OVER (PARTITION BY uid, sid, sn ORDER BY k, id) AS prev FROM pa) AS z WHERE {keep}")))
    ctes.append(("pn", select(
        "SELECT uid, sid, sn, node, ROW_NUMBER() OVER (PARTITION BY uid, sid, sn ORDER BY k, "
        "id) AS pos FROM pc")))
    marks = []
    if q.start:
        marks.append(exp.alias_(exp.Min(this=exp.Case(ifs=[exp.If(
            this=exp.EQ(this=exp.column("node"), expression=ctx.bind(q.start)),
            true=exp.column("pos"))])), "st"))
    if q.end:
        marks.append(exp.alias_(exp.Min(this=exp.Case(ifs=[exp.If(
            this=exp.EQ(this=exp.column("node"), expression=ctx.bind(q.end)),
            true=exp.column("pos"))])), "en"))
    if marks:
        ctes.append(("pm", exp.select("uid", "sid", "sn", *marks).from_("pn")
                     .group_by("uid", "sid", "sn")))
    if q.start and q.end:
        # from the start to the first end after it, at most N nodes
        first_end = exp.select("n.uid", "n.sid", "n.sn", exp.alias_(
            exp.Min(this=exp.column("pos", "n")), "en")).from_(
            exp.alias_(exp.table_("pn"), "n")).join(
            exp.alias_(exp.table_("pm"), "m"), on=sql(_SAME.format(x="m", y="n"))).where(exp.and_(
                sql("m.st IS NOT NULL AND n.pos >= m.st"),
                exp.EQ(this=exp.column("node", "n"), expression=ctx.bind(q.end)))).group_by(
            "n.uid", "n.sid", "n.sn")
        ctes.append(("pf", first_end))
        body = (f"SELECT {_KEY.format(x='n')}, n.pos - m.st + 1 AS step, n.node FROM pn AS n "
                f"JOIN pm AS m ON {_SAME.format(x='m', y='n')} JOIN pf AS f ON "
                f"{_SAME.format(x='f', y='n')} WHERE n.pos >= m.st AND n.pos <= f.en "
                f"AND n.pos < m.st + {n}")
    elif q.start:
        body = (f"SELECT {_KEY.format(x='n')}, n.pos - m.st + 1 AS step, n.node FROM pn AS n "
                f"JOIN pm AS m ON {_SAME.format(x='m', y='n')} WHERE m.st IS NOT NULL AND "
                f"n.pos >= m.st AND n.pos < m.st + {n}")
    elif q.end:
        # the N nodes leading to the first end point, the end point last
        body = (f"SELECT {_KEY.format(x='n')}, n.pos - GREATEST(m.en - {n}, 0) AS step, n.node "
                f"FROM pn AS n JOIN pm AS m ON {_SAME.format(x='m', y='n')} WHERE m.en IS NOT "
                f"NULL AND n.pos <= m.en AND n.pos > m.en - {n}")
    else:
        body = f"SELECT uid, sid, sn, pos AS step, node FROM pn WHERE pos <= {n}"
    ctes.append(("pp", select(body)))
    return ctes


def with_ctes(ctes: list[tuple[str, exp.Expression]], body: exp.Select) -> exp.Select:
    for name, tree in ctes:
        body = body.with_(name, as_=tree)
    return body


def paths_query(ctx: PathsContext) -> exp.Select:
    """Sessions per path (the nodes joined by :data:`SEP`, in step order): every other
    output (links, drop-offs, the step matrix) follows from this one table."""
    ctx.fresh()
    sep = ctx.bind(SEP)
    tree = select("SELECT path, COUNT(*) AS n FROM (SELECT uid, sid, sn, STRING_AGG(node, '#' "
                  "ORDER BY step) AS path FROM pp GROUP BY uid, sid, sn) AS z GROUP BY path")
    for lit in tree.find_all(exp.Literal):
        if lit.this == "#":
            lit.replace(sep)
    return with_ctes(path_rows(ctx), tree)
