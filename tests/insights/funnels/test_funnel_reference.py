"""The SQL funnel against the pure-Python reference on random logs (DuckDB, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.insights.funnels import run_funnel
from shoplens.insights.schema import FunnelsQuery

from .conftest import T0
from .reference import Ev, Spec, counts

NAMES = ("A", "B", "C", "X")
MINUTE = 60_000_000


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[Ev], Spec]:
    n_steps = draw(st.integers(2, 4))
    steps = [draw(st.sampled_from(NAMES[:3])) for _ in range(n_steps)]
    order = draw(st.sampled_from(("ordered", "strict", "any")))
    window = draw(st.sampled_from((5, 10, 30, 120))) * MINUTE
    step_windows: list[int | None] = [None] * n_steps
    optional = [False] * n_steps
    exclusions: list[tuple[str, int, int]] = []
    if order != "any":
        step_windows = [None] + [draw(st.sampled_from((None, None, 2, 4, 8))) for _ in steps[1:]]
        step_windows = [None if w is None else w * MINUTE for w in step_windows]
        optional = [False] + [draw(st.booleans()) and 0 < i < n_steps - 1 and
                              draw(st.booleans()) for i in range(1, n_steps)]
        if draw(st.booleans()):
            lo = draw(st.integers(0, n_steps - 2))
            hi = draw(st.integers(lo + 1, n_steps - 1))
            exclusions = [("X", lo, hi)]
    events = []
    for a in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(0, 7))):
            events.append(Ev(f"u{a}", draw(st.integers(0, 40)) * MINUTE, len(events) + 1,
                             draw(st.sampled_from(NAMES))))
    return events, Spec(steps, window, step_windows, optional, exclusions, order)


def to_query(spec: Spec) -> FunnelsQuery:
    steps = []
    for i, name in enumerate(spec.steps):
        w = spec.step_windows[i]
        steps.append({"event": name, "optional": spec.optional[i],
                      "window": None if w is None else f"{w // MINUTE}m"})
    return FunnelsQuery.model_validate({
        "steps": steps, "order": spec.order, "window": f"{spec.window // MINUTE}m",
        "exclusions": [{"event": n, "from_step": lo, "to_step": hi}
                       for n, lo, hi in spec.exclusions]})


@pytest.mark.parametrize("db_url", ["duckdb", "postgres"], indirect=True)
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=logs())
def test_sql_agrees_with_reference(engine: Engine, case: tuple[list[Ev], Spec]) -> None:
    events, spec = case
    engine.execute("DELETE FROM events")
    # every step name exists (the funnel refuses unseen names before running)
    seed = [Ev("seed", 10_000 * MINUTE, 10_000 + i, n) for i, n in enumerate(NAMES)]
    rows = [{"event_id": e.id, "user_id": e.actor, "raw_event": e.name,
             "event_time": T0 + timedelta(microseconds=e.t), "quantity": 1}
            for e in events + seed]
    engine.append_df("events", pd.DataFrame(rows))
    got = [s["count"] for s in run_funnel(engine, to_query(spec)).payload["steps"]]
    assert got == counts(events + seed, spec)
