"""The common base of every funnel variant: from reach rows to per-actor results.

A variant (ordered, strict, any order) turns the event rows into *layers*: ``L{s}``
holds, for step ``s``, every event that completes a valid chain up to ``s`` with
``b``, the latest entry (step-0 time) such a chain can have, ``gp`` the time since
the chain's previous step and ``tf`` the time of the step time-to-convert starts
from. This base stacks the layers (``reach``), keeps one row per actor (``actors``:
which steps it reached, the shortest gaps, its attributed breakdown value and entry
time) and aggregates. All times are microseconds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import sqlglot
from sqlglot import exp

from shoplens.insights.funnels.context import FunnelContext
from shoplens.insights.funnels.events import event_rows, user_of


def sql(text: str) -> exp.Expression:
    """A fragment over ShopLens's own column names (never a value)."""
    return sqlglot.parse_one(text, read="postgres")


def select(text: str) -> exp.Select:
    tree = sql(text)
    assert isinstance(tree, exp.Select)
    return tree


class FunnelBase(ABC):
    """Builds the SQL of one funnel variant; ``ctx`` holds the resolved query."""

    #: the event rows keep events that match no step (strict funnels)
    all_events = False
    with_previous = False

    def __init__(self, ctx: FunnelContext) -> None:
        self.ctx = ctx

    # -- the variant's part ---------------------------------------------------------------
    @abstractmethod
    def layers(self) -> list[tuple[str, exp.Expression]]:
        """CTEs after ``ev`` that define ``L0`` .. ``L{n-1}``."""

    def reach(self) -> exp.Expression:
        """Every layer row with its step number."""
        parts = [f"SELECT a, uid, {s} AS step, k, id, b, bd, gp, tf FROM L{s}"
                 for s in range(self.ctx.n)]
        return sql(" UNION ALL ".join(parts))

    def reached(self, s: int) -> str:
        """Whether a reach row of step ``step`` shows that step ``s`` was reached: a
        chain to a later step passed through every required step before it."""
        return f"step = {s}" if self.ctx.optional(s) else f"step >= {s}"

    # -- shared --------------------------------------------------------------------------
    def ctes(self) -> list[tuple[str, exp.Expression]]:
        ctx = self.ctx
        ev = event_rows(ctx, all_events=self.all_events, with_previous=self.with_previous)
        out: list[tuple[str, exp.Expression]] = [("ev", ev), self.entries_cte(),
                                                  *self.layers(), ("reach", self.reach())]
        q = ctx.query
        flags = ", ".join(f"MAX(CASE WHEN {self.reached(s)} THEN 1 ELSE 0 END) AS r{s}"
                          for s in range(ctx.n))
        gaps = ", ".join(f"MIN(CASE WHEN step = {s} THEN gp END) AS g{s}"
                         for s in range(1, ctx.n))
        to = q.to_step if q.to_step is not None else ctx.last
        ttc = (f"MIN(CASE WHEN step = {to} THEN k - tf END)" if q.view == "time_to_convert"
               else "CAST(NULL AS BIGINT)")
        out.append(("agg", select(
            f"SELECT a, MIN({user_of(ctx)}) AS uid, {flags}, {gaps}, {ttc} AS ttc FROM reach GROUP BY a")))
        # attribution and the entry time only when a breakdown or the trends view reads them
        if not q.breakdowns and q.view != "trends":
            out.append(("actors", select(
                "SELECT g.*, CAST(NULL AS TEXT) AS value, CAST(NULL AS TIMESTAMP) AS ets "
                "FROM agg AS g")))
            return out
        out.append(("top", select(
            "SELECT a, step, b, k, bd FROM (SELECT a, step, b, k, bd, ROW_NUMBER() OVER "
            "(PARTITION BY a ORDER BY step DESC, b DESC, k, id) AS rn FROM reach) AS z "
            "WHERE rn = 1")))
        out.append(("ft", select(
            "SELECT t.a, MIN(l.bd) AS bd, MIN(l.ts) AS ets FROM top AS t "
            "JOIN L0e AS l ON l.a = t.a AND l.k = t.b GROUP BY t.a")))
        if q.attribution == "step" and q.attribution_step is not None:
            s = q.attribution_step
            out.append(("sa", select(
                f"SELECT a, bd FROM (SELECT a, bd, ROW_NUMBER() OVER (PARTITION BY a "
                f"ORDER BY k, id) AS rn FROM L{s}) AS z WHERE rn = 1")))
            value, join = "sa.bd", "LEFT JOIN sa ON sa.a = g.a"
        elif q.attribution == "last_touch":
            value, join = "top.bd", "LEFT JOIN top ON top.a = g.a"
        else:
            value, join = "ft.bd", ""
        out.append(("actors", select(
            f"SELECT g.*, {value} AS value, ft.ets AS ets FROM agg AS g "
            f"LEFT JOIN ft ON ft.a = g.a {join}")))
        return out

    def with_ctes(self, body: exp.Select) -> exp.Select:
        for name, tree in self.ctes():
            body = body.with_(name, as_=tree)
        return body

    def entries_cte(self) -> tuple[str, exp.Expression]:
        """``L0e``: the entries with their time stamp, for first touch and trends."""
        return ("L0e", select("SELECT a, k, bd, ts FROM ev WHERE s0 AND en"))

    # -- queries -------------------------------------------------------------------------
    def steps_query(self) -> exp.Select:
        """One row per breakdown value: actors reaching each step (``c0``..), and the
        median of the shortest time from the previous step (``m1``..), microseconds."""
        n = self.ctx.n
        counts = ", ".join(f"SUM(r{s}) AS c{s}" for s in range(n))
        medians = ", ".join(
            f"PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY g{s}) AS m{s}" for s in range(1, n))
        return self.with_ctes(select(
            f"SELECT value, {counts}, {medians} FROM actors GROUP BY value"))
