"""Time to convert between two steps: median, p90, mean and a histogram.

Per actor that reached ``to_step``: the shortest time one of its chains took from its
``from_step`` event to its ``to_step`` event (from the entry when ``from_step`` is 0).
The histogram uses fixed, readable bin edges (1 minute ... 30 days) up to the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlglot import exp

from shoplens.insights.funnels.base import FunnelBase, select
from shoplens.insights.funnels.context import US

EDGES_S = (0, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400,
           30 * 86400, 90 * 86400)


def edges(window_us: int) -> list[int]:
    """Bin edges in seconds up to the global window (the last bin is open)."""
    w = window_us // US
    return [e for e in EDGES_S if e < w] or [0]


def time_to_convert(variant: FunnelBase,
                    ) -> tuple[exp.Select, Callable[[pd.DataFrame], tuple[dict[str, Any], pd.DataFrame]]]:
    ctx = variant.ctx
    q = ctx.query
    bins = edges(ctx.window)
    cases = []
    for i, lo in enumerate(bins):
        hi = bins[i + 1] if i + 1 < len(bins) else None
        cond = f"ttc >= {lo * US}" + (f" AND ttc < {hi * US}" if hi is not None else "")
        cases.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS h{i}")
    tree = variant.with_ctes(select(
        "SELECT COUNT(ttc) AS n, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ttc) AS p50, "
        "PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY ttc) AS p90, AVG(ttc) AS mean, "
        f"MIN(ttc) AS lo, MAX(ttc) AS hi, {', '.join(cases)} FROM actors"))
    to = q.to_step if q.to_step is not None else ctx.last

    def payload(df: pd.DataFrame) -> tuple[dict[str, Any], pd.DataFrame]:
        r = df.iloc[0]

        def sec(v: Any) -> float | None:
            return None if v is None or pd.isna(v) else round(float(v) / US, 3)

        hist = []
        for i, lo in enumerate(bins):
            hi = bins[i + 1] if i + 1 < len(bins) else None
            hist.append({"from_seconds": lo, "to_seconds": hi, "count": int(r[f"h{i}"] or 0)})
        body = {"from_step": q.from_step, "to_step": to, "converted": int(r["n"] or 0),
                "median_seconds": sec(r["p50"]), "p90_seconds": sec(r["p90"]),
                "mean_seconds": sec(r["mean"]), "min_seconds": sec(r["lo"]),
                "max_seconds": sec(r["hi"]), "histogram": hist}
        return body, pd.DataFrame(hist)

    return tree, payload
