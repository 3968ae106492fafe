"""The customer-value SQL as each engine receives it, compared with the files under
snapshots/ (pretty-printed from the same tree), so a change to a query shows up in
review. Update with ``SHOPLENS_UPDATE_SNAPSHOTS=1 pytest tests/clv/test_snapshots.py``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from shoplens.clv.summary import BOUNDS_QUERY, DAILY_QUERY, SUMMARY_QUERY, bind
from shoplens.engines.duckdb import DuckDBEngine
from shoplens.engines.postgres import PostgresEngine
from shoplens.engines.sql import SOURCE_DIALECT, placeholders, transpile

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SHOPLENS_UPDATE_SNAPSHOTS") == "1"
ENGINES = {cls.name: cls.dialect for cls in (DuckDBEngine, PostgresEngine)}
QUERIES = {"summary": SUMMARY_QUERY, "daily": DAILY_QUERY, "bounds": BOUNDS_QUERY}


@pytest.mark.parametrize("query_name", sorted(QUERIES))
@pytest.mark.parametrize("engine_name", sorted(ENGINES))
def test_rendered_sql_matches_snapshot(engine_name: str, query_name: str) -> None:
    dialect = ENGINES[engine_name]
    query = QUERIES[query_name]
    pretty = "\n".join(sqlglot.transpile(query.sql, read=SOURCE_DIALECT, write=dialect,
                                         pretty=True)) + "\n"
    path = SNAPSHOTS / f"{query_name}.{engine_name}.sql"
    if UPDATE:
        path.write_text(pretty, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with SHOPLENS_UPDATE_SNAPSHOTS=1"
    assert pretty == path.read_text(encoding="utf-8")
    assert sqlglot.parse_one(pretty, read=dialect) == sqlglot.parse_one(
        transpile(query.sql, dialect), read=dialect)


def test_every_placeholder_is_bound_and_no_value_is_pasted() -> None:
    bound = set(bind(date(2024, 1, 31), date(2024, 3, 31)))
    assert placeholders(SUMMARY_QUERY.sql) == placeholders(DAILY_QUERY.sql) == bound
    assert "{" not in SUMMARY_QUERY.sql and "%s" not in SUMMARY_QUERY.sql
