"""The NumPy walk of paths (engines with a bulk fetch) against their SQL form."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from shoplens.engines import Engine
from shoplens.insights.paths import walk
from shoplens.insights.paths.query import PathsContext, paths_query
from shoplens.insights.properties import Catalogue
from shoplens.insights.schema import PathsQuery

from .test_paths_reference import T0, logs

pytestmark = pytest.mark.parametrize("db_url", ["duckdb", "postgres"], indirect=True)


def _rows(df: pd.DataFrame, n: int) -> list[tuple]:
    cols = [f"n{i}" for i in range(1, n + 1)]
    return sorted(((*(None if pd.isna(v) else v for v in r[:-1]), int(r[-1]))
                   for r in df[[*cols, "n"]].itertuples(index=False)), key=repr)


@pytest.mark.parametrize("counting", ["array", "unique", "rows"])
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=logs())
def test_walk_equals_sql(engine: Engine, case: tuple[list, PathsQuery], counting: str,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every path and its sessions, equal to the SQL's: gaps, tracker sessions,
    collapsed or kept repeats, start, end, both, 2-5 steps; paths counted as one
    integer each (an array of counts, or sorted) or as rows of nodes."""
    monkeypatch.setattr(walk, "COUNT_ARRAY", 1 << 22 if counting == "array" else 0)
    monkeypatch.setattr(walk, "ONE_INTEGER", 2 if counting == "rows" else 2 ** 62)
    events, q = case
    engine.execute("DELETE FROM events")
    engine.append_df("events", pd.DataFrame(
        [{"event_id": eid, "user_id": user, "session_id": session, "raw_event": name,
          "event_time": T0 + timedelta(minutes=minute), "quantity": 1}
         for user, session, name, minute, eid in events]
        or [{"event_id": 1, "user_id": "x", "session_id": None, "raw_event": "A",
             "event_time": T0, "quantity": 1}]))
    ctx = PathsContext(q, Catalogue(engine))
    assert walk.applies(engine, q)
    got, _ = walk.paths_frame(engine, ctx)
    want = engine.fetch_df(paths_query(ctx).sql("postgres"), ctx.params or None)
    assert _rows(got, q.steps) == _rows(want, q.steps)


def test_no_tracker_session_is_not_a_session_named_like_its_code(engine: Engine) -> None:
    """Events without a tracker session id and events of a session named ``N`` (or
    ``SN``) are different sessions, as in the SQL (the bulk route encodes the id)."""
    engine.execute("DELETE FROM events")
    rows = [("u", None, "A", 0), ("u", "N", "B", 1), ("u", None, "C", 2), ("u", "SN", "D", 3),
            ("u", "N", "C", 4)]
    engine.append_df("events", pd.DataFrame(
        [{"event_id": i + 1, "user_id": u, "session_id": s, "raw_event": n,
          "event_time": T0 + timedelta(minutes=m), "quantity": 1}
         for i, (u, s, n, m) in enumerate(rows)]))
    q = PathsQuery.model_validate({"steps": 3, "top_n": 100})
    ctx = PathsContext(q, Catalogue(engine))
    got, _ = walk.paths_frame(engine, ctx)
    want = engine.fetch_df(paths_query(ctx).sql("postgres"), ctx.params or None)
    assert _rows(got, 3) == _rows(want, 3) == sorted(
        [("A", "C", None, 1), ("B", "C", None, 1), ("D", None, None, 1)], key=repr)
