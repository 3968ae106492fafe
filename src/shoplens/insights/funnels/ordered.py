"""Ordered funnel: each step strictly after the previous one, other events allowed
between, every per-step window and the global window respected.

Query intuition
---------------
For every event that can complete step ``k`` the layer ``L{k}`` keeps ``b``, the
latest entry time of a valid chain ending there (the latest entry is the best one: the
global window only gets easier). A chain into step ``k`` comes from a row of a
predecessor layer ``L{j}`` strictly earlier, within step ``k``'s window, with no
exclusion event of the span in between (an exclusion at time ``x`` breaks the link
from ``t'`` to ``t`` when ``t' <= x < t``).

When the predecessor rows' ``b`` never decreases along time (:meth:`FunnelContext.monotone`),
the latest predecessor before ``t`` carries the largest ``b``, so one running maximum
per actor (``RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING``) finds it, and its
time decides the per-step window and exclusions. Otherwise a sliding frame of the
step's window takes the maximum, partitioned by the count of exclusion events before
each row. Each step is one window pass over only two layers' rows, never a self-join.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.funnels.base import FunnelBase, select, sql


class OrderedFunnel(FunnelBase):
    def layers(self) -> list[tuple[str, exp.Expression]]:
        ctx = self.ctx
        f = ctx.query.from_step
        out: list[tuple[str, exp.Expression]] = [("L0", select(
            f"SELECT a, uid, k, id, k AS b, bd, CAST(NULL AS BIGINT) AS gp, "
            f"{'k' if f == 0 else 'CAST(NULL AS BIGINT)'} AS tf FROM ev WHERE s0 AND en"))]
        for k in range(1, ctx.n):
            out += self._layer(k, own_tf=k == f)
        return out

    def _union(self, k: int) -> str:
        """Predecessor rows (``c`` = their step), candidates (``c`` = -1) and exclusion
        events (``c`` = -2 - i) of the pass into step ``k``."""
        parts = [f"SELECT a, uid, k, id, b, tf, bd, {j} AS c, 2 * k + 1 AS o FROM L{j}"
                 for j in self.ctx.preds(k)]
        parts.append(f"SELECT a, uid, k, id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), bd, "
                     f"-1, 2 * k FROM ev WHERE s{k}")
        for i in self._exclusions(k):
            parts.append(f"SELECT a, uid, k, id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), "
                         f"bd, {-2 - i}, 2 * k + 1 FROM ev WHERE x{i}")
        return " UNION ALL ".join(parts)

    def _tf(self, j: int, frame: str) -> str:
        """The time-to-convert start carried along (only the view that reads it)."""
        if self.ctx.query.view != "time_to_convert":
            return f"CAST(NULL AS BIGINT) AS t{j}"
        return f"MAX(CASE WHEN c = {j} THEN tf END) OVER ({frame}) AS t{j}"

    def _exclusions(self, k: int) -> list[int]:
        return sorted({i for j in self.ctx.preds(k) for i in self.ctx.exclusions_between(j, k)})

    def _layer(self, k: int, *, own_tf: bool) -> list[tuple[str, exp.Expression]]:
        ctx = self.ctx
        preds = ctx.preds(k)
        w, W = ctx.windows[k], ctx.window
        monotone = all(ctx.monotone(j) for j in preds)
        union = f"U{k}"
        ctes: list[tuple[str, exp.Expression]] = [(union, sql(self._union(k)))]
        valid: dict[int, str] = {}
        wins: list[str] = []
        if monotone:
            # candidates sort first among rows of the same time (``o`` = 2k for them,
            # 2k + 1 for the others: one integer sort key, cheaper to sort than two),
            # so the rows before a candidate are exactly those strictly earlier: a
            # streaming ROWS frame
            frame = "PARTITION BY a ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
            for j in preds:
                wins += [f"MAX(CASE WHEN c = {j} THEN b END) OVER ({frame}) AS m{j}",
                         f"MAX(CASE WHEN c = {j} THEN k END) OVER ({frame}) AS p{j}",
                         self._tf(j, frame)]
            for i in self._exclusions(k):
                wins.append(f"MAX(CASE WHEN c = {-2 - i} THEN k END) OVER ({frame}) AS x{i}")
            for j in preds:
                conds = [f"p{j} IS NOT NULL", f"k - m{j} <= {W}"]
                if w is not None:
                    conds.append(f"k - p{j} <= {w}")
                conds += [f"(x{i} IS NULL OR x{i} < p{j})" for i in ctx.exclusions_between(j, k)]
                valid[j] = " AND ".join(conds)
            src = union
        else:
            # segments: exclusion events strictly before each row, per exclusion
            excl = self._exclusions(k)
            seg_frame = "PARTITION BY a ORDER BY k RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
            segs = ", ".join([f"SUM(CASE WHEN c = {-2 - i} THEN 1 ELSE 0 END) OVER ({seg_frame}) "
                              f"AS n{i}" for i in excl])
            src = union
            if excl:
                ctes.append((f"S{k}", select(f"SELECT *, {segs} FROM {union}")))
                src = f"S{k}"
            lower = "UNBOUNDED PRECEDING" if w is None else f"{w} PRECEDING"
            for j in preds:
                part = ", ".join(["a", *[f"n{i}" for i in ctx.exclusions_between(j, k)]])
                frame = f"PARTITION BY {part} ORDER BY k RANGE BETWEEN {lower} AND 1 PRECEDING"
                wins += [f"MAX(CASE WHEN c = {j} THEN b END) OVER ({frame}) AS m{j}",
                         f"MAX(CASE WHEN c = {j} THEN k END) OVER ({frame}) AS p{j}",
                         self._tf(j, frame)]
                valid[j] = f"m{j} IS NOT NULL AND k - m{j} <= {W}"
        cols = ", ".join(wins)
        best = _greatest([f"CASE WHEN {valid[j]} THEN m{j} END" for j in preds])
        prev = _greatest([f"CASE WHEN {valid[j]} THEN p{j} END" for j in preds])
        tf = "k" if own_tf else _greatest([f"CASE WHEN {valid[j]} THEN t{j} END" for j in preds])
        inner = f"SELECT a, uid, k, id, bd, c, {cols} FROM {src}"
        layer = select(
            f"SELECT a, uid, k, id, b, bd, k - pv AS gp, tf FROM (SELECT a, uid, k, id, bd, "
            f"{best} AS b, {prev} AS pv, {tf} AS tf FROM ({inner}) AS z WHERE c = -1) AS y "
            f"WHERE b IS NOT NULL")
        return [*ctes, (f"L{k}", layer)]


def _greatest(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"GREATEST({', '.join(parts)})"
