"""Literal triangles worked out by hand, on DuckDB and PostgreSQL, through the Python
API; each case is also checked against the independent pandas reference."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from shoplens.cohorts import CohortParams, compute_cohorts
from shoplens.engines import Engine

from . import cases
from .reference import as_matrix, assert_same, expected, load


def _literal(triangle: dict) -> dict:
    return {date.fromisoformat(k): v for k, v in triangle.items()}


ORDER_CASES = [
    ({"measure": "users"}, cases.ORDERS_USERS_CLASSIC),
    ({"measure": "users", "observed_until": date(2011, 4, 29)}, cases.ORDERS_USERS_UNTIL_APR29),
    ({"measure": "users", "kind": "rolling"}, cases.ORDERS_USERS_ROLLING),
    ({"measure": "revenue"}, cases.ORDERS_REVENUE_CLASSIC),
    ({"measure": "revenue", "kind": "cumulative"}, cases.ORDERS_REVENUE_CUMULATIVE),
    ({"measure": "orders"}, cases.ORDERS_ORDERS_CLASSIC),
]


@pytest.mark.parametrize(("extra", "triangle"), ORDER_CASES,
                         ids=["users", "until-apr29", "rolling", "revenue", "ltv", "orders"])
def test_online_retail_classic(engine: Engine, extra: dict, triangle: dict) -> None:
    load(engine, events=cases.ORDERS_EVENTS, products=cases.ORDERS_PRODUCTS)
    params = CohortParams(cohort_by="first_purchase", period="month", offset_unit="month",
                          periods=4, **extra)
    result = compute_cohorts(engine, params)
    assert_same(as_matrix(result), _literal(triangle))
    assert_same(as_matrix(result),
                expected([], cases.ORDERS_EVENTS, cases.ORDERS_PRODUCTS, params))
    assert [r.label for r in result.rows] == ["2010-12", "2011-01", "2011-02", "2011-03"]


def test_defaults_are_the_brief_monthly_signup_weekly_8(engine: Engine) -> None:
    load(engine, users=cases.SIGNUP_USERS, events=cases.SIGNUP_EVENTS)
    result = compute_cohorts(engine)
    assert (result.params.cohort_by, result.params.period, result.params.offset_unit,
            result.params.periods) == ("signup", "month", "week", 8)
    assert_same(as_matrix(result), _literal(cases.SIGNUP_CLASSIC))
    assert_same(as_matrix(result),
                expected(cases.SIGNUP_USERS, cases.SIGNUP_EVENTS, None, result.params))
    assert result.anchor_sources == {"signup_date": 2, "first_seen": 1, "first_event": 1}
    assert result.fallback_note is not None and "2 of 4 users" in result.fallback_note
    assert (result.observed_from, result.observed_until) == (date(2024, 1, 3), date(2024, 3, 10))
    # the weighted average only takes cohorts observable at that offset
    assert result.average[:3] == [1.0, 0.5, 0.5]
    assert result.average[3:6] == [0.0, 0.5, 0.0]
    assert result.average[6:] == [None, None]


def test_rolling_counts_active_in_n_or_later(engine: Engine) -> None:
    load(engine, users=cases.SIGNUP_USERS, events=cases.SIGNUP_EVENTS)
    result = compute_cohorts(engine, CohortParams(kind="rolling"))
    assert_same(as_matrix(result), _literal(cases.SIGNUP_ROLLING))


def test_monday_weeks_across_new_year(engine: Engine) -> None:
    load(engine, events=cases.NEWYEAR_EVENTS)
    params = CohortParams(cohort_by="first_activity", period="week", offset_unit="week",
                          periods=4)
    result = compute_cohorts(engine, params)
    assert_same(as_matrix(result), _literal(cases.NEWYEAR_WEEKLY))
    assert [r.label for r in result.rows] == cases.NEWYEAR_LABELS
    assert_same(as_matrix(result), expected([], cases.NEWYEAR_EVENTS, None, params))


def test_cohort_of_one_user_and_censoring_is_none_not_zero(engine: Engine) -> None:
    load(engine, users=[{"user_id": "solo", "signup_date": "2024-05-06"}],
         events=[{"user_id": "solo", "event_type": "view", "product_id": "p",
                  "event_time": "2024-05-06 08:00:00"},
                 {"user_id": "solo", "event_type": "view", "product_id": "p",
                  "event_time": "2024-05-22 08:00:00"}])
    params = CohortParams(period="day", offset_unit="week", periods=4)
    result = compute_cohorts(engine, params)
    (row,) = result.rows
    # week 0 and 2 active, week 1 observed and empty, week 3 not yet seen (data ends Wed)
    assert (row.label, row.size, row.values) == ("2024-05-06", 1, [1.0, 0.0, N, N])
    assert row.observed == [True, True, False, False]
    doc = result.to_json_dict()
    assert doc["cohorts"][0]["values"] == [1.0, 0.0, None, None]
    frame = result.to_frame()
    assert frame.loc[date(2024, 5, 6), "size"] == 1
    assert frame.loc[date(2024, 5, 6), 3] != frame.loc[date(2024, 5, 6), 3]  # NaN


N = None


def test_signup_before_data_start_is_left_censored(engine: Engine) -> None:
    # signed up in March, but the log only starts on Apr 3: March's weeks are unseen
    users = [{"user_id": "old", "signup_date": "2024-03-15"}]
    events = [{"user_id": "old", "event_type": "view", "product_id": "p", "event_time": ts}
              for ts in ("2024-04-03 10:00:00", "2024-05-01 10:00:00", "2024-05-05 10:00:00")]
    load(engine, users=users, events=events)
    params = CohortParams(periods=8)
    result = compute_cohorts(engine, params)
    # week 0 = Mar 11 .. week 3 = Apr 1 (Apr 1-2 unseen); week 7 = Apr 29 .. Sun May 5
    assert result.rows[0].values == [N, N, N, N, 0.0, 0.0, 0.0, 1.0]
    assert_same(as_matrix(result), expected(users, events, None, params))


def test_refunds_are_not_purchases(engine: Engine) -> None:
    load(engine, events=[
        {"user_id": "r", "event_type": "purchase", "product_id": "p", "event_time": "2024-01-10",
         "price": 10.0},
        {"user_id": "r", "event_type": "refund", "product_id": "p", "event_time": "2024-02-10",
         "price": 10.0},
        {"user_id": "z", "event_type": "refund", "product_id": "p", "event_time": "2024-03-31",
         "price": 4.0},
    ])
    params = CohortParams(cohort_by="first_purchase", period="month", offset_unit="month",
                          periods=3)
    result = compute_cohorts(engine, params)
    # z never bought: in no cohort; r's refund in Feb is not a return visit
    assert as_matrix(result) == {date(2024, 1, 1): (1, [1.0, 0.0, 0.0])}
    revenue = compute_cohorts(engine, params.model_copy(update={"measure": "revenue"}))
    assert revenue.rows[0].values == [1.0, -1.0, 0.0]


def test_no_events_gives_an_empty_matrix(engine: Engine) -> None:
    result = compute_cohorts(engine)
    assert result.rows == [] and result.average == [None] * 8
    assert result.to_json_dict()["cohorts"] == []


@pytest.mark.parametrize("bad", [
    {"periods": 0}, {"period": "year"}, {"measure": "clicks"},
    {"observed_from": date(2024, 2, 1), "observed_until": date(2024, 1, 1)},
    {"measure": "revenue", "activity": "any"}, {"cohort_by": "first_login"},
])
def test_bad_params_fail_before_sql(bad: dict) -> None:
    with pytest.raises(ValidationError):
        CohortParams(**bad)
