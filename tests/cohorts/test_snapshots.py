"""The retention SQL as each engine receives it, compared with the files under
snapshots/ (pretty-printed from the same tree), so a change to the query shows up in
review. Update with ``SHOPLENS_UPDATE_SNAPSHOTS=1 pytest tests/cohorts/test_snapshots.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot

from shoplens.cohorts import CohortParams
from shoplens.cohorts.query import QUERY, bind
from shoplens.engines.duckdb import DuckDBEngine
from shoplens.engines.postgres import PostgresEngine
from shoplens.engines.sql import SOURCE_DIALECT, placeholders, transpile

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SHOPLENS_UPDATE_SNAPSHOTS") == "1"
ENGINES = {cls.name: cls.dialect for cls in (DuckDBEngine, PostgresEngine)}


@pytest.mark.parametrize("engine_name", sorted(ENGINES))
def test_rendered_sql_matches_snapshot(engine_name: str) -> None:
    dialect = ENGINES[engine_name]
    pretty = "\n".join(sqlglot.transpile(QUERY.sql, read=SOURCE_DIALECT, write=dialect,
                                         pretty=True)) + "\n"
    path = SNAPSHOTS / f"retention.{engine_name}.sql"
    if UPDATE:
        path.write_text(pretty, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with SHOPLENS_UPDATE_SNAPSHOTS=1"
    assert pretty == path.read_text(encoding="utf-8")
    # the snapshot is the same statement the engine runs, only laid out
    assert sqlglot.parse_one(pretty, read=dialect) == sqlglot.parse_one(
        transpile(QUERY.sql, dialect), read=dialect)


def test_every_placeholder_is_bound_and_no_value_is_pasted() -> None:
    assert placeholders(QUERY.sql) == set(bind(CohortParams()))
    assert "'signup'" in QUERY.sql  # compared with the bound value, never formatted in
    assert "{" not in QUERY.sql and "%s" not in QUERY.sql
