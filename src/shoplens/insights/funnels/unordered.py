"""Any-order funnel: the steps may happen in any order within the global window.

Query intuition
---------------
Every event matching a step, in the entry range, is a possible start (an *anchor*).
One window pass counts, per anchor, the distinct steps matched from the anchor to the
global window after it (``MAX`` of each step's flag over ``RANGE BETWEEN CURRENT ROW
AND W FOLLOWING``); an actor reached step ``s`` (0-based) when some anchor matched
``s + 1`` steps. An event matching several steps counts for each. Per-step windows,
optional steps and exclusions need an order, so this variant refuses them
(:mod:`.validation`). Every attribution takes the breakdown value of the anchor.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.funnels.base import FunnelBase, select, sql


class UnorderedFunnel(FunnelBase):
    def entries_cte(self) -> tuple[str, exp.Expression]:
        anchors = " OR ".join(f"s{i}" for i in range(self.ctx.n))
        return ("L0e", select(f"SELECT a, k, bd, ts FROM ev WHERE en AND ({anchors})"))

    def layers(self) -> list[tuple[str, exp.Expression]]:
        ctx = self.ctx
        frame = (f"PARTITION BY a ORDER BY k RANGE BETWEEN CURRENT ROW AND "
                 f"{ctx.window} FOLLOWING")
        has = ", ".join(f"MAX(CASE WHEN s{i} THEN 1 ELSE 0 END) OVER ({frame}) AS h{i}"
                        for i in range(ctx.n))
        total = " + ".join(f"h{i}" for i in range(ctx.n))
        anchors = " OR ".join(f"s{i}" for i in range(ctx.n))
        return [("A", select(
            f"SELECT a, uid, k, id, k AS b, bd, CAST(NULL AS BIGINT) AS gp, "
            f"CAST(NULL AS BIGINT) AS tf, {total} - 1 AS step FROM (SELECT a, uid, k, id, bd, "
            f"en, ({anchors}) AS anchor, {has} FROM ev) AS z WHERE anchor AND en"))]

    def reach(self) -> exp.Expression:
        return sql("SELECT a, uid, step, k, id, b, bd, gp, tf FROM A")

    def reached(self, s: int) -> str:
        return f"step >= {s}"
