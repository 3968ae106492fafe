"""The SQL each event analysis renders per engine, compared with the files under
snapshots/. A change to a query shows up in review as a change to these files. Update
them with ``SHOPLENS_UPDATE_SNAPSHOTS=1 pytest tests/events/test_events_snapshots.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shoplens.engines.duckdb import DuckDBEngine
from shoplens.engines.postgres import PostgresEngine
from shoplens.engines.sql import placeholders, transpile
from shoplens.events.queries import staged_query

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SHOPLENS_UPDATE_SNAPSHOTS") == "1"
ENGINES = {cls.name: cls.dialect for cls in (DuckDBEngine, PostgresEngine)}
QUERIES = ("stage_counts", "paths", "transitions", "dropoffs", "step_times",
           "repeat_purchase", "abandonment", "behaviours")


@pytest.mark.parametrize("engine_name", sorted(ENGINES))
@pytest.mark.parametrize("name", QUERIES)
def test_rendered_sql_matches_snapshot(engine_name: str, name: str) -> None:
    rendered = transpile(staged_query(name).sql, ENGINES[engine_name]) + "\n"
    path = SNAPSHOTS / engine_name / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with SHOPLENS_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text(encoding="utf-8")


def test_no_stale_snapshots() -> None:
    expected = {f"{e}/{q}.sql" for e in ENGINES for q in QUERIES}
    assert {str(p.relative_to(SNAPSHOTS)) for p in SNAPSHOTS.rglob("*.sql")} == expected


@pytest.mark.parametrize("name", QUERIES)
def test_values_are_placeholders(name: str) -> None:
    """Every threshold is bound: the queries name them as placeholders."""
    names = placeholders(staged_query(name).sql)
    assert "gap_seconds" in names
