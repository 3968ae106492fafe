"""Property: on any random shop, the engine's matrix equals the pandas reference
computed from the definitions, for every parameter combination, on both engines, both
as the planner answers it (from the user-day rollup) and from the raw events.

The matrices are the retention runner's answers (:mod:`shoplens.cohorts.query`); the
reference is the one the deleted cohort SQL was checked against, so the numbers are
the same as before the move."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.cohorts import CohortParams, compute_cohorts
from shoplens.engines import Engine
from shoplens.insights import runner

from .reference import as_matrix, assert_same, expected, load

START = datetime(2019, 11, 20)  # spans a New Year and month ends of 28..31 days
SPAN_DAYS = 130
USERS = [f"u{i}" for i in range(8)]
PRODUCTS = [{"product_id": f"p{i}", "category": "c", "price": price}
            for i, price in enumerate([2.5, 10.0, 99.75])]

event_types = st.sampled_from(["view", "view", "cart", "purchase", "purchase", "refund",
                               "remove_from_cart", None])
prices = st.one_of(st.none(), st.sampled_from([0.25, 1.0, 12.5, 40.0]))


@st.composite
def shops(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    users = []
    for uid in draw(st.lists(st.sampled_from(USERS), unique=True, max_size=6)):
        signup = draw(st.one_of(st.none(), st.integers(-40, SPAN_DAYS)))
        seen = draw(st.one_of(st.none(), st.integers(0, SPAN_DAYS)))
        users.append({
            "user_id": uid,
            "signup_date": None if signup is None
            else (START + timedelta(days=signup)).date().isoformat(),
            "first_seen": None if seen is None
            else (START + timedelta(days=seen, hours=3)).isoformat(sep=" "),
        })
    events = []
    for _ in range(draw(st.integers(1, 40))):
        ts = START + timedelta(seconds=draw(st.integers(0, SPAN_DAYS * 86400)))
        kind = draw(event_types)
        events.append({
            "user_id": draw(st.sampled_from(USERS)),
            "event_type": kind,
            "product_id": draw(st.sampled_from([p["product_id"] for p in PRODUCTS])),
            "event_time": ts.isoformat(sep=" "),
            "price": draw(prices),
            "quantity": draw(st.integers(1, 3)),
        })
    return users, events


params_strategy = st.builds(
    CohortParams,
    cohort_by=st.sampled_from(["signup", "first_activity", "first_purchase"]),
    period=st.sampled_from(["day", "week", "month"]),
    offset_unit=st.sampled_from(["day", "week", "month"]),
    periods=st.integers(1, 6),
    measure=st.sampled_from(["users", "orders", "revenue"]),
    kind=st.sampled_from(["classic", "rolling", "cumulative"]),
).flatmap(lambda p: st.one_of(
    st.just(p),
    st.builds(lambda d1, d2, p=p: p.model_copy(update={
        "observed_from": min(d1, d2), "observed_until": max(d1, d2)}),
        st.dates(date(2019, 11, 1), date(2020, 4, 30)),
        st.dates(date(2019, 11, 1), date(2020, 4, 30))),
    st.just(p.model_copy(update={"activity": "purchase"})) if p.measure == "users"
    else st.just(p),
))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(shop=shops(), params=params_strategy)
def test_matches_pandas_reference(engine: Engine, shop: tuple, params: CohortParams) -> None:
    users, events = shop
    load(engine, users=users, events=events, products=PRODUCTS)
    got = compute_cohorts(engine, params)
    want = expected(users, events, PRODUCTS, params)
    assert got.source == "rollups"
    assert_same(as_matrix(got), want)
    previous = runner.set_planner(None)
    try:
        raw = compute_cohorts(engine, params)
    finally:
        runner.set_planner(previous)
    assert raw.source == "raw"
    assert_same(as_matrix(raw), want)
    # the average is the weighted mean of what the rows show
    for n, avg in enumerate(got.average):
        shown = [r for r in got.rows if r.values[n] is not None]
        num = sum(r.numerators[n] for r in shown)
        den = sum(r.denominators[n] for r in shown)
        if not den:  # nothing shown, or revenue that nets to zero over the cohorts
            assert avg is None
        else:
            assert avg is not None and abs(avg - num / den) < 1e-9
