"""The planner answers from rollups exactly what the raw statement answers (hypothesis,
DuckDB and PostgreSQL), declines what the rollups do not cover, and follows catalogue
and user changes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from shoplens.engines import Engine
from shoplens.insights.runner import run
from shoplens.insights.schema import TrendsQuery

from .cases import planner_vs_raw, queries


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=queries)
def test_random_queries_same_rows(planner_engine: Engine, query: TrendsQuery) -> None:
    _, planned, raw = planner_vs_raw(planner_engine, query)
    assert planned == raw


def q(**doc) -> TrendsQuery:
    return TrendsQuery.model_validate(doc)


COVERED = [
    q(series=[{"math": "unique_users"}], interval="week",
      breakdowns=[{"property": "user.country", "limit": 2}]),  # WAU by country, top 2 + other
    q(series=[{"event": "action:purchase", "math": "sum", "math_property": "revenue"}],
      interval="week", breakdowns=[{"property": "product.category"}]),
    q(series=[{"event": "action:purchase"}, {"event": "action:view"}], formula="A / B",
      filters=[{"property": "country", "value": "FR"}], interval="month"),
    q(series=[{"math": "unique_users"}], interval="month",
      filters=[{"property": "user.country", "operator": "in", "value": ["FR", "DE"]}]),
    q(series=[{"event": "stage:conversion"}], breakdowns=[{"property": "event.stage"}]),
    # rollup_session_hour: distinct users of one event, sessions, hours, session filters
    q(series=[{"math": "unique_sessions"}]),
    q(series=[{}], interval="hour", date_range={"date_from": "-2d"}),
    q(series=[{"math": "unique_users"}], interval="week",
      date_range={"date_from": "2024-01-10", "date_to": "2024-02-20"}),  # partial weeks
    q(series=[{"event": "purchased", "math": "unique_users"}], interval="quarter",
      breakdowns=[{"property": "user.country", "limit": 2}]),
    q(series=[{"event": "action:view", "math": "unique_sessions"},
              {"event": "purchased", "math": "avg", "math_property": "revenue"}],
      filters=[{"property": "session.n_events", "operator": "gt", "value": 5}],
      breakdowns=[{"property": "time.hour"}]),
    # one series from rollup_event_day (avg price by category), one from the sessions
    q(series=[{"event": "action:view", "math": "avg", "math_property": "event.price"},
              {"event": "action:view", "math": "unique_users"}], interval="month",
      breakdowns=[{"property": "event.event_type"}]),
]
DECLINED = [
    q(series=[{}], breakdowns=[{"property": "product.list_price", "bins": [0, 50, 100]}]),
    q(series=[{}], date_range={"timezone": "Europe/Paris"}),
    q(series=[{"math": "unique_users"}], breakdowns=[{"property": "product.category"}]),
    q(series=[{"math": "unique_sessions"}],
      filters=[{"property": "event.price", "operator": "gt", "value": 50}]),
    q(series=[{"math": "unique_users"}], date_range={"date_from": "2024-01-15T06:30:00"}),
]


def test_covered_queries_come_from_rollups(planner_engine: Engine) -> None:
    for query in COVERED:
        source, planned, raw = planner_vs_raw(planner_engine, query)
        assert source == "rollups", query
        assert planned == raw and raw, query
        assert run(planner_engine, query).source == "rollups"
    for query in DECLINED:
        source, _, _ = planner_vs_raw(planner_engine, query)
        assert source == "raw", query


#: one series the rollups cover beside one they do not: the covered one is read from
#: its rollup, the other from the raw events, in one statement
MIXED = [
    q(series=[{"event": "action:view", "math": "unique_users"},
              {"math": "sum", "math_property": "revenue"}], interval="week",
      breakdowns=[{"property": "product.category", "limit": 3}]),
    q(series=[{"event": "action:view", "math": "sum", "math_property": "event.quantity"},
              {"event": "purchased", "math": "unique_sessions"}], interval="month",
      filters=[{"property": "product.brand", "operator": "in", "value": ["apple", "lg"]}]),
    q(series=[{"math": "unique_sessions"},
              {"math": "unique_users", "filters": [
                  {"property": "event.price", "operator": "gt", "value": 50}]}],
      breakdowns=[{"property": "event.action"}], date_range={"date_from": "-14d"}),
]


def test_uncovered_series_read_raw_beside_covered_ones(planner_engine: Engine) -> None:
    for query in MIXED:
        source, planned, raw = planner_vs_raw(planner_engine, query)
        assert source == "mixed", query
        assert planned == raw and raw, query
        result = run(planner_engine, query)
        assert result.source == "mixed"
        sql = result.sql[0].lower()
        assert "rollup_" in sql and "from events" in sql


def test_session_hour_reads_the_users_country_from_its_rows(planner_engine: Engine) -> None:
    """Distinct sessions filtered and broken down by country: no join of ``users``."""
    query = q(series=[{"event": "action:view", "math": "unique_sessions"}], interval="week",
              filters=[{"property": "user.country", "operator": "neq", "value": "US"}],
              breakdowns=[{"property": "user.country", "limit": 3}])
    source, planned, raw = planner_vs_raw(planner_engine, query)
    assert source == "rollups" and planned == raw and raw
    sql = run(planner_engine, query).sql[0].lower()
    assert "rollup_session_hour" in sql and " users " not in sql
