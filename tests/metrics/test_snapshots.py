"""The SQL each metric renders per engine, compared with the files under snapshots/.

A change to a query shows up in review as a change to these files. Update them with
``SHOPLENS_UPDATE_SNAPSHOTS=1 pytest tests/metrics/test_snapshots.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shoplens.engines.duckdb import DuckDBEngine
from shoplens.engines.postgres import PostgresEngine
from shoplens.engines.sql import transpile
from shoplens.metrics.registry import FORMS, METRICS

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SHOPLENS_UPDATE_SNAPSHOTS") == "1"
ENGINES = {cls.name: cls.dialect for cls in (DuckDBEngine, PostgresEngine)}


@pytest.mark.parametrize("engine_name", sorted(ENGINES))
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("metric", [m.name for m in METRICS])
def test_rendered_sql_matches_snapshot(engine_name: str, form: str, metric: str) -> None:
    query = next(m for m in METRICS if m.name == metric).query(form)  # type: ignore[arg-type]
    rendered = transpile(query.sql, ENGINES[engine_name]) + "\n"
    path = SNAPSHOTS / engine_name / form / f"{metric}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with SHOPLENS_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text(encoding="utf-8")


def test_no_stale_snapshots() -> None:
    expected = {f"{e}/{f}/{m.name}.sql" for e in ENGINES for f in FORMS for m in METRICS}
    found = {str(p.relative_to(SNAPSHOTS)) for p in SNAPSHOTS.rglob("*.sql")}
    assert found == expected
