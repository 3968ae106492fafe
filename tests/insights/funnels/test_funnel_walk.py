"""The NumPy walk of ordered funnels (engines with a bulk fetch) against their SQL form."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.insights.funnels import run_funnel, walk
from shoplens.insights.funnels.runner import prepare, render
from shoplens.insights.schema import FunnelsQuery

from .conftest import T0
from .reference import Ev, Spec
from .test_funnel_reference import NAMES, logs, to_query

pytestmark = pytest.mark.parametrize("db_url", ["duckdb", "postgres"], indirect=True)


def _load(engine: Engine, events: list[Ev]) -> None:
    engine.execute("DELETE FROM events")
    seed = [Ev("seed", 10_000 * 60_000_000, 10_000 + i, n) for i, n in enumerate(NAMES)]
    engine.append_df("events", pd.DataFrame([
        {"event_id": e.id, "user_id": e.actor, "raw_event": e.name,
         "event_time": T0 + timedelta(microseconds=e.t), "quantity": 1}
        for e in events + seed]))


def _frames(engine: Engine, q: FunnelsQuery) -> tuple[pd.DataFrame, pd.DataFrame]:
    variant, _ = prepare(engine, q)
    assert walk.applies(engine, variant.ctx)
    got, _ = walk.steps_frame(engine, variant)
    sql_variant, _ = prepare(engine, q)
    tree = sql_variant.steps_query()
    want = engine.fetch_df(render(sql_variant, tree), sql_variant.ctx.params or None)
    return got, want


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=logs(), sessions=st.booleans(), grouped=st.booleans())
def test_walk_equals_sql(engine: Engine, case: tuple[list[Ev], Spec], sessions: bool,
                         grouped: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts and median gaps of every step, equal to the SQL's, on random logs with
    per-step windows and exclusions, by users and by sessions, with every actor's keys
    in one integer range or (``grouped``: keys too wide for all actors at once) the
    actors walked one group at a time."""
    monkeypatch.setattr(walk, "KEY_BITS", 40 if grouped else 63)  # 40: one actor a group
    events, spec = case
    spec.order = "ordered"
    spec.optional = [False] * len(spec.steps)
    _load(engine, events)
    q = to_query(spec).model_copy(update={"count_by": "sessions" if sessions else "users"})
    got, want = _frames(engine, q)
    assert len(got) == len(want)
    cols = [c for c in want.columns if c != "value"]
    for c in cols:
        g, w = got[c].tolist(), want[c].tolist()
        assert [None if pd.isna(x) else float(x) for x in g] == \
            [None if pd.isna(x) else float(x) for x in w], c


def test_walk_ties_and_reports_its_statement(engine: Engine) -> None:
    """A step at the same microsecond as the previous one does not follow it; the
    result names the walk's statement."""
    m = 60_000_000
    _load(engine, [Ev("u1", 0, 1, "A"), Ev("u1", 0, 2, "B"), Ev("u2", 0, 3, "A"),
                   Ev("u2", m, 4, "B"), Ev("u2", m, 5, "C"), Ev("u2", 2 * m, 6, "C")])
    q = FunnelsQuery.model_validate({"steps": [{"event": "A"}, {"event": "B"},
                                               {"event": "C", "window": "1m"}]})
    res = run_funnel(engine, q)
    assert [s["count"] for s in res.payload["steps"]] == [3, 1, 1]
    assert res.payload["steps"][2]["median_seconds_from_previous"] == 60.0
    assert "OVER" not in res.sql[0]  # the walk's rows, not the layered SQL's windows


def test_walk_exclusion_at_the_step_time(engine: Engine) -> None:
    """An exclusion at the very time of the previous step breaks the link (``t' <= x
    < t``); one at the time of the next step does not."""
    m = 60_000_000
    _load(engine, [Ev("a0", 0, 1, "A"), Ev("a0", 0, 2, "X"), Ev("a0", m, 3, "B"),
                   Ev("a1", 0, 4, "A"), Ev("a1", m, 5, "X"), Ev("a1", m, 6, "B")])
    q = FunnelsQuery.model_validate({"steps": [{"event": "A"}, {"event": "B"}],
                                     "exclusions": [{"event": "X", "from_step": 0,
                                                     "to_step": 1}]})
    got, want = _frames(engine, q)
    assert got[["c0", "c1"]].values.tolist() == want[["c0", "c1"]].values.tolist() == [[3, 1]]
