"""The SQL each insight compiles to, per engine, compared with the files under
snapshots/: a change to a compiler shows up in review as a change to these files.
Update them with ``SHOPLENS_UPDATE_SNAPSHOTS=1 pytest tests/insights/test_snapshots.py``.
The database is the tiny shop on DuckDB (the compilers read its property catalogue)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from shoplens.engines import Engine, connect
from shoplens.engines.spark_sql import to_spark
from shoplens.engines.sql import SOURCE_DIALECT, transpile
from shoplens.insights.lifecycle import compile_lifecycle
from shoplens.insights.retention import compile_retention
from shoplens.insights.schema import parse_query
from shoplens.insights.stickiness import compile_stickiness
from shoplens.insights.trends import compile_trends

from . import shop

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SHOPLENS_UPDATE_SNAPSHOTS") == "1"
DIALECTS = ("duckdb", "postgres", "spark")
QUERIES: dict[str, dict[str, Any]] = {
    "trends_revenue_by_country": {
        "kind": "trends", "interval": "week",
        "series": [{"event": "action:purchase", "math": "sum", "math_property": "revenue"}],
        "breakdowns": [{"property": "user.country", "limit": 5}],
        "filters": [{"property": "product.brand", "operator": "neq", "value": "O'Neil"}]},
    "trends_formula_json_tz": {
        "kind": "trends", "interval": "day", "formula": "A / B",
        "date_range": {"date_from": "-7d", "timezone": "Europe/Paris"},
        "series": [{"event": "stage:conversion", "math": "unique_users"},
                   {"event": "view", "math": "p90", "math_property": "price",
                    "filters": [{"property": "utm_source", "operator": "regex",
                                 "value": "^goo"}]}]},
    "lifecycle_weekly": {"kind": "lifecycle", "interval": "week",
                         "series": {"event": "action:view"}},
    "stickiness_by_channel": {"kind": "stickiness", "interval": "day",
                              "breakdowns": [{"property": "user.channel"}]},
    "retention_revenue_by_weekday": {
        "kind": "retention", "period": "week", "measure": "revenue", "cumulative": True,
        "return_event": {"event": "action:purchase"},
        "breakdowns": [{"property": "time.weekday"}]},
}


@pytest.fixture(scope="module")
def duck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = connect(f"duckdb:{tmp_path_factory.mktemp('snap') / 'shop.duckdb'}")
    shop.load(eng, typed=True)
    try:
        yield eng
    finally:
        eng.close()


def _source(engine: Engine, doc: dict[str, Any]) -> str:
    q = parse_query(doc)
    compile_fn = {"trends": lambda: compile_trends(engine, q),
                  "lifecycle": lambda: compile_lifecycle(engine, q)[0],
                  "stickiness": lambda: compile_stickiness(engine, q)[0],
                  "retention": lambda: compile_retention(engine, q)[0]}[q.kind]
    return compile_fn().sql()


def _render(sql: str, dialect: str) -> str:
    if dialect == "spark":
        tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
        return to_spark(tree).sql("spark", pretty=True)
    return sqlglot.transpile(transpile(sql, dialect), read=dialect, write=dialect,
                             pretty=True)[0]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_compiled_sql_matches_snapshot(duck: Engine, name: str, dialect: str) -> None:
    rendered = _render(_source(duck, QUERIES[name]), dialect) + "\n"
    path = SNAPSHOTS / dialect / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with SHOPLENS_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text(encoding="utf-8")
    assert "O'Neil" not in rendered and "goo" not in rendered  # values are bound


def test_no_stale_snapshots() -> None:
    expected = {f"{d}/{q}.sql" for d in DIALECTS for q in QUERIES}
    assert {str(p.relative_to(SNAPSHOTS)) for p in SNAPSHOTS.rglob("*.sql")} == expected
