"""Strict funnel: no other event of the actor between two consecutive steps.

Query intuition
---------------
Each event row knows its actor's previous event (``pid``, ``pk``: ``LAG`` over all the
actor's events in time, then id, order: one window pass). A chain reaches step ``k``
at an event whose previous event is a row of a predecessor layer, strictly earlier
and within the windows, so every layer is an equality join on the previous event's
id, never a range self-join. Exclusions cannot fall between two consecutive events and
have no effect here.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.funnels.base import FunnelBase, select, sql


class StrictFunnel(FunnelBase):
    all_events = True
    with_previous = True

    def layers(self) -> list[tuple[str, exp.Expression]]:
        ctx = self.ctx
        f = ctx.query.from_step
        out: list[tuple[str, exp.Expression]] = [("L0", select(
            f"SELECT a, uid, k, id, k AS b, bd, CAST(NULL AS BIGINT) AS gp, "
            f"{'k' if f == 0 else 'CAST(NULL AS BIGINT)'} AS tf FROM ev WHERE s0 AND en"))]
        for k in range(1, ctx.n):
            w = ctx.windows[k]
            parts = []
            for j in ctx.preds(k):
                conds = [f"c.s{k}", "c.pk < c.k", f"c.k - p.b <= {ctx.window}"]
                if w is not None:
                    conds.append(f"c.k - p.k <= {w}")
                tf = "c.k" if k == f else "p.tf"
                parts.append(
                    f"SELECT c.a, c.uid, c.k, c.id, p.b, c.bd, c.k - p.k AS gp, {tf} AS tf "
                    f"FROM ev AS c JOIN L{j} AS p ON p.a = c.a AND p.id = c.pid "
                    f"WHERE {' AND '.join(conds)}")
            out.append((f"L{k}", sql(" UNION ALL ".join(parts))))
        return out
