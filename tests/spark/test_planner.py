"""The planner over a small lake: random trends queries give the raw statement's rows on
Spark too (few examples: Spark is slow to start each query)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.insights.planner.check import rows_of_both
from shoplens.insights.schema import TrendsQuery
from shoplens.metrics import rollups

FILTERS = [{"property": "user.country", "value": "FR"},
           {"property": "product.category", "operator": "contains", "value": "electronics"},
           {"property": "event.event_type", "operator": "in", "value": ["purchase", "refund"]}]
BREAKDOWNS = [{"property": "user.country", "limit": 3}, {"property": "product.category"},
              {"property": "product.brand", "limit": 4}]

QUERIES = st.builds(
    lambda m, f, b, i: TrendsQuery.model_validate({
        "series": [{"event": "action:purchase" if m["math"] == "sum" else None, **m}],
        "filters": f, "breakdowns": b, "interval": i}),
    st.sampled_from([{"math": "total"}, {"math": "unique_users"},
                     {"math": "sum", "math_property": "revenue"}]),
    st.lists(st.sampled_from(FILTERS), max_size=1),
    st.lists(st.sampled_from(BREAKDOWNS), max_size=1),
    st.sampled_from(["week", "month"]))


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=QUERIES)
@example(query=TrendsQuery.model_validate({  # from rollup_session_hour
    "series": [{"event": "action:view", "math": "unique_sessions"}], "interval": "week",
    "breakdowns": [{"property": "time.hour"}]}))
@example(query=TrendsQuery.model_validate({  # one series raw, one from rollup_event_day
    "series": [{"math": "unique_users"}, {"math": "sum", "math_property": "revenue"}],
    "interval": "month", "breakdowns": [{"property": "product.category"}]}))
def test_planner_equals_raw_on_spark(spark_shop: Engine, query: TrendsQuery) -> None:
    rollups.ensure_fresh(spark_shop)
    source, planned, raw = rows_of_both(spark_shop, query)
    assert planned == raw
    if query.series[0].math == "unique_sessions":
        assert source == "rollups" and raw
    if len(query.series) == 2:
        assert source == "mixed" and raw
