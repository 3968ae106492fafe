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

from shoplens.insights.funnels.base import select, sql
from shoplens.insights.funnels.events import time_key
from shoplens.insights.funnels.refs import Binder, col, filters_condition
from shoplens.insights.schema import PathsQuery, parse_duration

SEP = " > "
END = "(end)"


@dataclass
class PathsContext:
    query: PathsQuery
    start: datetime | None = None
    end: datetime | None = None
    json_keys: frozenset[str] = frozenset()
    bind: Binder = field(default_factory=lambda: Binder("p"))

    @property
    def page_key(self) -> str:
        return (self.query.page_property or "url").removeprefix("event.")


def node_expr(ctx: PathsContext) -> tuple[exp.Expression, set[str]]:
    level = ctx.query.level
    if level == "stage":
        return col("stage", "t"), {"t"}
    if level == "category":
        return col("category", "p"), {"p"}
    if level == "page":
        return exp.JSONExtractScalar(this=exp.cast(col("properties", "e"), "json"),
                                     expression=exp.Literal.string(ctx.page_key)), set()
    return col("raw_event", "e"), set()


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
    node, joins = node_expr(ctx)
    fcond, fj = filters_condition(list(q.filters), bind, ctx.json_keys)
    joins |= fj
    sel = exp.select(
        exp.alias_(col("user_id", "e"), "uid"), exp.alias_(col("session_id", "e"), "sid"),
        exp.alias_(col("event_id", "e"), "id"), exp.alias_(time_key(col("event_time", "e")), "k"),
        exp.alias_(exp.cast(grouped(ctx, node), "text"), "node"),
    ).from_(exp.alias_(exp.table_("events"), "e"))
    if "t" in joins:
        sel = sel.join(exp.alias_(exp.table_("event_taxonomy"), "t"), join_type="left",
                       on=exp.EQ(this=col("raw_event", "t"), expression=col("raw_event", "e")))
    if "p" in joins:
        sel = sel.join(exp.alias_(exp.table_("products"), "p"), join_type="left",
                       on=exp.EQ(this=col("product_id", "p"), expression=col("product_id", "e")))
    if "u" in joins:
        sel = sel.join(exp.alias_(exp.table_("users"), "u"), join_type="left",
                       on=exp.EQ(this=col("user_id", "u"), expression=col("user_id", "e")))
    where: list[exp.Expression] = [exp.Not(this=exp.Is(this=node.copy(), expression=exp.null()))]
    if ctx.start is not None:
        where.append(exp.GTE(this=col("event_time", "e"), expression=bind(ctx.start)))
    if ctx.end is not None:
        where.append(exp.LT(this=col("event_time", "e"), expression=bind(ctx.end)))
    if q.filters:
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
    ctes.append(("pa", select(
        "SELECT uid || '/' || COALESCE('S' || sid, 'G' || CAST(SUM(ns) OVER (PARTITION BY uid, "
        "sid ORDER BY k, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS TEXT)) AS a, "
        "k, id, node FROM ps")))
    keep = "TRUE"
    if q.collapse_repeats:
        keep = "prev IS NULL OR prev <> node"
    ctes.append(("pc", select(
        "SELECT a, k, id, node FROM (SELECT a, k, id, node, LAG(node) OVER (PARTITION BY a "
        f"ORDER BY k, id) AS prev FROM pa) AS z WHERE {keep}")))
    ctes.append(("pn", select(
        "SELECT a, node, ROW_NUMBER() OVER (PARTITION BY a ORDER BY k, id) AS pos FROM pc")))
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
        ctes.append(("pm", exp.select("a", *marks).from_("pn").group_by("a")))
    if q.start and q.end:
        # from the start to the first end after it, at most N nodes
        first_end = exp.select("n.a", exp.alias_(exp.Min(this=exp.column("pos", "n")), "en")).from_(
            exp.alias_(exp.table_("pn"), "n")).join(
            exp.alias_(exp.table_("pm"), "m"), using=["a"]).where(exp.and_(
                sql("m.st IS NOT NULL AND n.pos >= m.st"),
                exp.EQ(this=exp.column("node", "n"), expression=ctx.bind(q.end)))).group_by("n.a")
        ctes.append(("pf", first_end))
        body = ("SELECT n.a, n.pos - m.st + 1 AS step, n.node FROM pn AS n JOIN pm AS m ON "
                f"m.a = n.a JOIN pf AS f ON f.a = n.a WHERE n.pos >= m.st AND n.pos <= f.en "
                f"AND n.pos < m.st + {n}")
    elif q.start:
        body = ("SELECT n.a, n.pos - m.st + 1 AS step, n.node FROM pn AS n JOIN pm AS m ON "
                f"m.a = n.a WHERE m.st IS NOT NULL AND n.pos >= m.st AND n.pos < m.st + {n}")
    elif q.end:
        # the N nodes leading to the first end point, the end point last
        body = ("SELECT n.a, n.pos - GREATEST(m.en - " f"{n}, 0) AS step, n.node FROM pn AS n "
                f"JOIN pm AS m ON m.a = n.a WHERE m.en IS NOT NULL AND n.pos <= m.en "
                f"AND n.pos > m.en - {n}")
    else:
        body = f"SELECT a, pos AS step, node FROM pn WHERE pos <= {n}"
    ctes.append(("pp", select(body)))
    ctes.append(("steps", select(
        "SELECT a, step, node, LEAD(node) OVER (PARTITION BY a ORDER BY step) AS nxt FROM pp")))
    return ctes


def with_ctes(ctes: list[tuple[str, exp.Expression]], body: exp.Select) -> exp.Select:
    for name, tree in ctes:
        body = body.with_(name, as_=tree)
    return body


def links_query(ctx: PathsContext) -> exp.Select:
    """Actors per (step, node, next node); ``nxt`` NULL: the path ended there."""
    ctx.bind = Binder("p")
    return with_ctes(path_rows(ctx), select(
        "SELECT step, node, nxt, COUNT(*) AS n FROM steps GROUP BY step, node, nxt"))


def top_paths_query(ctx: PathsContext) -> exp.Select:
    ctx.bind = Binder("p")
    sep = ctx.bind(SEP)
    tree = select("SELECT path, COUNT(*) AS n FROM (SELECT a, STRING_AGG(node, '#' ORDER BY "
                  "step) AS path FROM pp GROUP BY a) AS z GROUP BY path")
    for lit in tree.find_all(exp.Literal):
        if lit.this == "#":
            lit.replace(sep)
    return with_ctes(path_rows(ctx)[:-1], tree)


