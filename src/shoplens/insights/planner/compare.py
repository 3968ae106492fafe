"""Both forms of a retention, lifecycle or stickiness query side by side: what the
planner's equality tests and benchmark use."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from shoplens.engines import Engine
from shoplens.insights.compile.context import Compiled


def compile_form(engine: Engine, query: Any, *, plan: bool) -> Compiled:
    """The statement of ``query`` as planned (``plan``: the rollups when they cover
    it) or from the raw events."""
    if query.kind == "retention":
        from shoplens.insights.retention.compile import compile_retention

        return compile_retention(engine, query, plan=plan)[0]
    if query.kind == "lifecycle":
        from shoplens.insights.lifecycle import compile_lifecycle

        return compile_lifecycle(engine, query, plan=plan)[0]
    if query.kind == "stickiness":
        from shoplens.insights.stickiness import compile_stickiness

        return compile_stickiness(engine, query, plan=plan)[0]
    raise ValueError(f"no user-day plan for {query.kind!r} queries")


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(v)
        return (ts.tz_localize(None) if ts.tzinfo else ts).to_pydatetime()
    return v.item() if hasattr(v, "item") else v


def canonical(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The rows in one order, NULL/NaN as None, times as naive datetimes, numbers as
    Python numbers (each driver returns its own types for the same values)."""
    rows = [tuple(_value(v) for v in r) for r in df.itertuples(index=False)]
    return sorted(rows, key=lambda t: [(x is None, str(x)) for x in t])


def rows_of_both(engine: Engine, query: Any) -> tuple[str, list, list]:
    """(``"rollups"`` or ``"raw"``, the planned rows, the raw rows); when the planner
    declines, the raw rows twice."""
    raw = compile_form(engine, query, plan=False)
    raw_rows = canonical(raw.fetch_df(engine))
    planned = compile_form(engine, query, plan=True)
    if planned.source != "rollups":
        return "raw", raw_rows, raw_rows
    return "rollups", canonical(planned.fetch_df(engine)), raw_rows
