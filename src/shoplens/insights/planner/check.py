"""Both forms of a trends query side by side: what the equality tests and benchmarks use."""

from __future__ import annotations

from typing import Any

import pandas as pd

from shoplens.engines import Engine
from shoplens.insights.compile.context import Compiled
from shoplens.insights.schema import TrendsQuery


def both_forms(engine: Engine, query: TrendsQuery) -> tuple[Compiled, Compiled | None]:
    """(the raw statement, the planner's statement or None when not covered)."""
    from shoplens.insights.planner import plan_trends
    from shoplens.insights.trends.compile import resolve_trends

    resolved, raw = resolve_trends(engine, query)
    return raw, plan_trends(engine, query, resolved)


def canonical(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The rows of a trends statement in one order, NULL/NaN as None, buckets as naive
    datetimes (each engine's driver returns its own types for the same values)."""
    out = []
    for r in df.itertuples(index=False):
        t = [None if (isinstance(v, float) and v != v) else v for v in r]
        if len(t) > 1 and t[1] is not None:
            ts = pd.Timestamp(t[1])
            t[1] = (ts.tz_localize(None) if ts.tzinfo else ts).to_pydatetime()
        out.append(tuple(v.item() if hasattr(v, "item") else v for v in t))
    return sorted(out, key=lambda t: [(x is None, str(x)) for x in t])


def rows_of_both(engine: Engine, query: TrendsQuery) -> tuple[str, list, list]:
    """(the source — ``"rollups"``, ``"mixed"`` or ``"raw"`` —, the planner's rows, the
    raw rows) of ``query``; when the planner declines, the raw rows twice."""
    raw, planned = both_forms(engine, query)
    raw_rows = canonical(raw.fetch_df(engine))
    if planned is None:
        return "raw", raw_rows, raw_rows
    return planned.source, canonical(planned.fetch_df(engine)), raw_rows
