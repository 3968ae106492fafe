"""Naive and optimized forms agree on generated data, for any range (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.metrics import MetricsParams, compute_metrics, rollups
from shoplens.metrics.params import bind_values
from shoplens.metrics.registry import METRICS, run
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


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.integers(-10, DAYS + 5), length=st.integers(0, 40),
       grain=st.sampled_from(["day", "week", "month"]), window=st.sampled_from([0.5, 24, 200]))
def test_any_range_same_rows(generated: Engine, first: int, length: int, grain: str,
                             window: float) -> None:
    start = START + timedelta(days=first)
    params = MetricsParams(grain=grain, window_hours=window, top_n=5)  # type: ignore[arg-type]
    values = bind_values(params, start, start + timedelta(days=length))
    for metric in METRICS:
        assert run(generated, metric.name, "naive", values) == \
            run(generated, metric.name, "optimized", values), metric.name
