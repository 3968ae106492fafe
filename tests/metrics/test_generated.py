"""Naive and optimized forms agree on generated data, for any range (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.metrics import MetricsParams, compute_metrics, rollups
from shoplens.metrics.synthetic import write_shop

START = date(2024, 1, 1)
DAYS = 60


@pytest.fixture
def generated(engine: Engine) -> Engine:
    write_shop(engine, 20_000, days=DAYS, seed=7)
    rollups.rebuild(engine)
    return engine


def test_generated_data_whole_range(generated: Engine) -> None:
    naive = compute_metrics(generated, MetricsParams(form="naive")).model_dump(exclude={"form"})
    optimized = compute_metrics(generated, MetricsParams()).model_dump(exclude={"form"})
    assert naive == optimized
    # the data is not degenerate: every family has numbers to compare
    assert len(optimized["dau"]) >= 50 and len(optimized["wau"]) >= 8
    assert optimized["aov"]["orders"] > 100 and optimized["aov"]["refunds"] > 0
    assert optimized["funnel"][0]["purchased"] > 100
    assert sum(d["users"] for d in optimized["dau"]) > optimized["mau"][0]["users"]


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.integers(-10, DAYS + 5), length=st.integers(0, 40),
       grain=st.sampled_from(["day", "week", "month"]), top_n=st.sampled_from([1, 5, 50]))
def test_any_range_same_rows(generated: Engine, first: int, length: int, grain: str,
                             top_n: int) -> None:
    """Every metric query read raw (planner off) equals the planner's answer."""
    start = START + timedelta(days=first)
    params = MetricsParams(start=start, end=start + timedelta(days=length), grain=grain,  # type: ignore[arg-type]
                           top_n=top_n)
    naive = compute_metrics(generated, params.model_copy(update={"form": "naive"}))
    optimized = compute_metrics(generated, params)
    assert naive.model_dump(exclude={"form"}) == optimized.model_dump(exclude={"form"})
