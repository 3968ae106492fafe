"""The SQL paths against a small pure-Python reference on random logs (DuckDB,
PostgreSQL): sessions, collapsed repeats, start and end points, the N-node cut."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.insights.paths import run_paths
from shoplens.insights.schema import PathsQuery

T0 = datetime(2024, 1, 1)
NAMES = "ABCD"
GAP = 30  # minutes: the query's default session gap


def reference(events: list[tuple[str, str | None, str, int, int]], q: PathsQuery,
              ) -> Counter[tuple[str, ...]]:
    """Sessions per path, every rule written out plainly."""
    by_key: dict[tuple[str, str | None], list[tuple[int, int, str]]] = {}
    for user, session, name, minute, eid in events:
        by_key.setdefault((user, session), []).append((minute, eid, name))
    out: Counter[tuple[str, ...]] = Counter()
    for evs in by_key.values():
        evs.sort()
        sessions: list[list[str]] = []
        last = None
        for minute, _, name in evs:
            if last is None or minute - last > GAP:
                sessions.append([])
            last = minute
            if not (q.collapse_repeats and sessions[-1] and sessions[-1][-1] == name):
                sessions[-1].append(name)
        for nodes in sessions:
            n = q.steps
            if q.start and q.end:
                if q.start not in nodes:
                    continue
                s = nodes.index(q.start)
                ends = [i for i in range(s, len(nodes)) if nodes[i] == q.end]
                if not ends:
                    continue
                path = nodes[s:min(ends[0] + 1, s + n)]
            elif q.start:
                if q.start not in nodes:
                    continue
                s = nodes.index(q.start)
                path = nodes[s:s + n]
            elif q.end:
                if q.end not in nodes:
                    continue
                e = nodes.index(q.end)
                path = nodes[max(0, e - n + 1):e + 1]
            else:
                path = nodes[:n]
            out[tuple(path)] += 1
    return out


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[tuple[str, str | None, str, int, int]], PathsQuery]:
    events = []
    for u in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(0, 10))):
            events.append((f"u{u}", draw(st.sampled_from((None, None, "s1", "s2"))),
                           draw(st.sampled_from(NAMES)), draw(st.integers(0, 150)),
                           len(events) + 1))
    doc: dict = {"steps": draw(st.integers(2, 5)), "collapse_repeats": draw(st.booleans()),
                 "top_n": 1000}
    if draw(st.booleans()):
        doc["start"] = draw(st.sampled_from(NAMES))
    if draw(st.booleans()):
        doc["end"] = draw(st.sampled_from(NAMES))
    return events, PathsQuery.model_validate(doc)


@pytest.mark.parametrize("db_url", ["duckdb", "postgres"], indirect=True)
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=logs())
def test_paths_agree_with_reference(engine: Engine, case: tuple[list, PathsQuery]) -> None:
    events, q = case
    engine.execute("DELETE FROM events")
    # every name exists (a start or end point the data never saw is refused)
    seed = [("seed", None, name, 10_000 + 100 * i, 10_000 + i) for i, name in enumerate(NAMES)]
    rows = [{"event_id": eid, "user_id": user, "session_id": session, "raw_event": name,
             "event_time": T0 + timedelta(minutes=minute), "quantity": 1}
            for user, session, name, minute, eid in events + seed]
    engine.append_df("events", pd.DataFrame(rows))
    got = Counter({tuple(p["path"]): p["count"] for p in run_paths(engine, q).payload["paths"]})
    assert got == reference(events + seed, q)
