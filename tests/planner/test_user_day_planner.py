"""Retention, lifecycle and stickiness answered from the user-day rollup return the raw
statement's rows exactly (hypothesis, DuckDB and PostgreSQL); what the rollup does not
cover is declined; the runners say ``source="rollups"`` when planned."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from shoplens.engines import Engine
from shoplens.insights.planner.compare import rows_of_both
from shoplens.insights.runner import run
from shoplens.insights.schema import LifecycleQuery, RetentionQuery, StickinessQuery

from .user_day_cases import (
    ACTIVE,
    PURCHASES,
    lifecycle_queries,
    retention_queries,
    stickiness_queries,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(query=retention_queries)
def test_retention_same_rows(planner_engine: Engine, query: RetentionQuery) -> None:
    _, planned, raw = rows_of_both(planner_engine, query)
    assert planned == raw


@SETTINGS
@given(query=lifecycle_queries)
def test_lifecycle_same_rows(planner_engine: Engine, query: LifecycleQuery) -> None:
    _, planned, raw = rows_of_both(planner_engine, query)
    assert planned == raw


@SETTINGS
@given(query=stickiness_queries)
def test_stickiness_same_rows(planner_engine: Engine, query: StickinessQuery) -> None:
    _, planned, raw = rows_of_both(planner_engine, query)
    assert planned == raw


def _doc(**doc: Any) -> dict[str, Any]:
    return doc


COVERED = [
    _doc(kind="retention", period="week", total_intervals=6),
    _doc(kind="retention", start_event=ACTIVE, return_event=PURCHASES, measure="orders",
         period="month", offset_period="week", cohort_by="signup", censoring="observed",
         accumulation="up_to"),
    _doc(kind="retention", start_event=PURCHASES, measure="revenue", cumulative=True,
         retention_type="recurring", date_range={"date_from": "2024-01-08"}),
    _doc(kind="lifecycle", interval="week"),
    _doc(kind="lifecycle", series=PURCHASES, interval="day",
         date_range={"date_from": "2024-02-01", "date_to": "2024-02-29"}),
    _doc(kind="stickiness", series=[{}, ACTIVE], interval="day",
         date_range={"date_from": "2024-01-08", "date_to": "2024-02-04"}),
]
DECLINED = [
    _doc(kind="retention", return_event={"event": "action:purchase"}),
    _doc(kind="retention", measure="revenue", return_event=PURCHASES),  # refunds missing
    _doc(kind="retention", breakdowns=[{"property": "user.country"}]),
    _doc(kind="lifecycle", filters=[{"property": "user.country", "value": "FR"}]),
    _doc(kind="lifecycle", date_range={"timezone": "Europe/Paris"}),
    _doc(kind="stickiness", breakdowns=[{"property": "user.country"}]),
    _doc(kind="stickiness", date_range={"date_from": "2024-01-15T06:00:00"}),
]


def test_covered_queries_come_from_rollups(planner_engine: Engine) -> None:
    for doc in COVERED:
        result = run(planner_engine, doc)
        assert result.source == "rollups", doc
        assert "rollup_user_day" in result.sql[0]
        query = result.query
        source, planned, raw = rows_of_both(planner_engine, _parse(query))
        assert source == "rollups" and planned == raw and raw, doc
    for doc in DECLINED:
        result = run(planner_engine, doc)
        assert result.source == "raw", doc
        assert "rollup_user_day" not in result.sql[0]


def test_planned_answers_equal_raw_answers(planner_engine: Engine) -> None:
    """The whole result documents (cohorts, rates, averages, points) agree, not only
    the rows."""
    from shoplens.insights.lifecycle import run_lifecycle
    from shoplens.insights.retention import run_retention
    from shoplens.insights.stickiness import run_stickiness

    runners = {"retention": run_retention, "lifecycle": run_lifecycle,
               "stickiness": run_stickiness}
    for doc in COVERED:
        query = _parse(doc)
        planned = runners[query.kind](planner_engine, query).to_dict()
        raw = runners[query.kind](planner_engine, query, plan=False).to_dict()
        assert (planned.pop("source"), raw.pop("source")) == ("rollups", "raw")
        planned.pop("sql"), raw.pop("sql")
        assert planned == raw, doc


def _parse(doc: dict[str, Any]) -> Any:
    from shoplens.insights.schema import parse_query

    return parse_query(doc)
