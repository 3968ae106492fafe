"""Random trends queries over the generated shop (hypothesis strategies) and the check
that the planner's statement returns the raw statement's rows."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from shoplens.insights.planner.check import rows_of_both
from shoplens.insights.schema import TrendsQuery

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
    {"property": "session.n_events", "operator": "gt", "value": 5},
    {"property": "user.signup_date", "operator": "lt", "value": "2024-01-20"},
    {"property": "time.hour", "operator": "in", "value": [9, 10, 11, 20]},
]
BREAKDOWNS = [
    {"property": "user.country", "limit": 3}, {"property": "user.country"},
    {"property": "product.category", "limit": 4}, {"property": "product.brand", "limit": 5},
    {"property": "event.event_type"}, {"property": "time.weekday"},
    {"property": "event.action"}, {"property": "time.hour"},
    {"property": "session.n_events", "limit": 4},
]
MATHS = [{"math": "total"}, {"math": "unique_users"},
         {"math": "sum", "math_property": "revenue"},
         {"math": "sum", "math_property": "event.quantity"},
         {"math": "sum", "math_property": "event.price"},
         {"math": "avg", "math_property": "event.price"},
         {"math": "avg", "math_property": "revenue"},
         {"math": "unique_sessions"}]
RANGES = [{}, {"date_from": "2024-01-01", "date_to": "2024-03-10"},
          {"date_from": "2024-01-08", "date_to": "2024-02-25"},
          {"date_from": "2024-02-01", "date_to": "2024-02-29"},
          {"date_from": "2024-01-10", "date_to": "2024-02-20"},
          {"date_from": "-14d"}, {"date_from": "2024-01-15T06:00:00"},
          {"date_from": "2024-01-15T06:30:00"}]  # not whole hours: the raw events


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


planner_vs_raw = rows_of_both
