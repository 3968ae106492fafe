"""Random trends queries over the generated shop (hypothesis strategies) and the check
that the planner's statement returns the raw statement's rows."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.insights.planner import plan_trends
from shoplens.insights.schema import TrendsQuery
from shoplens.insights.trends.compile import resolve_trends

EVENTS = [None, "action:purchase", "stage:conversion", "action:view", "viewed", "purchased",
          "refund"]
FILTERS = [
    {"property": "user.country", "value": "FR"},
    {"property": "user.country", "operator": "in", "value": ["DE", "PL"]},
    {"property": "user.country", "operator": "neq", "value": "US"},
    {"property": "product.category", "operator": "contains", "value": "electronics"},
    {"property": "product.brand", "operator": "is_not_set"},
    {"property": "product.brand", "operator": "in", "value": ["apple", "lg"]},
    {"property": "event.event_type", "operator": "in", "value": ["purchase", "refund"]},
    {"property": "time.weekday", "operator": "lte", "value": 5},
    {"property": "event.price", "operator": "gt", "value": 50},  # not in the rollups
]
BREAKDOWNS = [
    {"property": "user.country", "limit": 3}, {"property": "user.country"},
    {"property": "product.category", "limit": 4}, {"property": "product.brand", "limit": 5},
    {"property": "event.event_type"}, {"property": "time.weekday"},
    {"property": "event.action"}, {"property": "time.hour"},  # hour: raw only
]
MATHS = [{"math": "total"}, {"math": "unique_users"},
         {"math": "sum", "math_property": "revenue"},
         {"math": "sum", "math_property": "event.quantity"},
         {"math": "sum", "math_property": "event.price"},
         {"math": "avg", "math_property": "event.price"}]  # avg: raw only
RANGES = [{}, {"date_from": "2024-01-01", "date_to": "2024-03-10"},
          {"date_from": "2024-01-08", "date_to": "2024-02-25"},
          {"date_from": "2024-02-01", "date_to": "2024-02-29"},
          {"date_from": "2024-01-10", "date_to": "2024-02-20"},
          {"date_from": "-14d"}, {"date_from": "2024-01-15T06:00:00"}]


def series() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda e, m, f: {"event": e, **m, "filters": f},
                     st.sampled_from(EVENTS), st.sampled_from(MATHS),
                     st.lists(st.sampled_from(FILTERS), max_size=1))


queries = st.builds(
    lambda s, f, b, i, r: TrendsQuery.model_validate({
        "series": s, "filters": f, "breakdowns": b, "interval": i, "date_range": r}),
    st.lists(series(), min_size=1, max_size=2), st.lists(st.sampled_from(FILTERS), max_size=2),
    st.lists(st.sampled_from(BREAKDOWNS), max_size=2, unique_by=lambda b: b["property"]),
    st.sampled_from(["day", "week", "month", "quarter"]), st.sampled_from(RANGES))


def rows(df: pd.DataFrame) -> list[tuple]:
    """Rows in a canonical order, with values as the runner reads them."""
    out = []
    for r in df.itertuples(index=False):
        t = tuple(None if (isinstance(v, float) and v != v) else v for v in r)
        out.append(tuple(pd.Timestamp(v).to_pydatetime().replace(tzinfo=None)
                         if i == 1 else v for i, v in enumerate(t)))
    return sorted(out, key=lambda t: [(x is None, str(x)) for x in t])


def planner_vs_raw(engine: Engine, query: TrendsQuery) -> tuple[str, list, list]:
    """('rollups' | 'raw', planner rows, raw rows) for ``query``."""
    resolved, raw = resolve_trends(engine, query)
    planned = plan_trends(engine, query, resolved)
    raw_rows = rows(raw.fetch_df(engine))
    if planned is None:
        return "raw", raw_rows, raw_rows
    return "rollups", rows(planned.fetch_df(engine)), raw_rows
