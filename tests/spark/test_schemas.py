"""Schemas on the lake: CREATE SCHEMA / SET SCHEMA / DROP SCHEMA, and what needs them
(``shoplens bench --events N`` fills a fresh schema and drops it afterwards)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from shoplens.engines import Engine
from shoplens.errors import ShopLensError, UnsupportedOperationError


def spark_url(lake: Path) -> str:
    return f"spark://local[2]?lake={lake}&shuffle_partitions=2"


def _users(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"user_id": list(ids), "country": ["FR"] * len(ids)})


def test_a_schema_is_a_separate_lake_until_dropped(spark_engine: Engine) -> None:
    eng = spark_engine
    eng.append_df("users", _users("root-user"))
    assert eng.scalar("SELECT current_schema()") == "default"

    eng.execute("CREATE SCHEMA bench_1")
    with pytest.raises(ShopLensError, match="already exists"):
        eng.execute("CREATE SCHEMA bench_1")
    eng.execute("CREATE SCHEMA IF NOT EXISTS bench_1")  # idempotent
    eng.execute("SET SCHEMA 'bench_1'", native=True)
    assert eng.scalar("SELECT current_schema()") == "bench_1"
    assert not eng.table_exists("users")  # a fresh schema is empty
    eng.init_schema()
    eng.append_df("users", _users("a", "b"))
    assert eng.fetch_all("SELECT user_id FROM users ORDER BY user_id") == [("a",), ("b",)]
    sub = eng.lake.root
    assert sub == spark_engine._root_lake.root / "_schemas" / "bench_1"  # type: ignore[attr-defined]

    with pytest.raises(UnsupportedOperationError, match="current schema"):
        eng.execute("DROP SCHEMA bench_1 CASCADE")
    eng.execute("SET search_path TO default")
    assert eng.fetch_all("SELECT user_id FROM users") == [("root-user",)]  # untouched
    with pytest.raises(ShopLensError, match="CASCADE"):
        eng.execute("DROP SCHEMA bench_1")
    eng.execute("DROP SCHEMA bench_1 CASCADE")
    assert not sub.exists()
    with pytest.raises(ShopLensError, match="does not exist"):
        eng.execute("SET SCHEMA 'bench_1'", native=True)
    eng.execute("DROP SCHEMA IF EXISTS bench_1")
    assert eng.fetch_all("SELECT user_id FROM users") == [("root-user",)]


def test_create_schema_rolls_back(spark_engine: Engine) -> None:
    with pytest.raises(RuntimeError), spark_engine.transaction():
        spark_engine.execute("CREATE SCHEMA gone")
        raise RuntimeError("boom")
    with pytest.raises(ShopLensError, match="does not exist"):
        spark_engine.execute("SET SCHEMA 'gone'", native=True)
    assert not (spark_engine.lake.root / "_schemas" / "gone").exists()
    with pytest.raises(ShopLensError, match="invalid schema name"):
        spark_engine.execute('CREATE SCHEMA "x; DROP"')
    with pytest.raises(UnsupportedOperationError, match="inside a transaction"), \
            spark_engine.transaction():
        spark_engine.execute("SET SCHEMA 'default'", native=True)


def test_bench_with_generated_events_on_spark(cli: object, spark_context: None,
                                              tmp_path: Path) -> None:
    """``shoplens bench --events N --db spark://…``: fills a fresh schema of the lake,
    benchmarks it, and drops it, leaving the lake's own tables alone."""
    lake = tmp_path / "lake"
    url = spark_url(lake)
    result = cli("bench", "--events", "3000", "--days", "14", "--synthetic", "--repeat", "1",  # type: ignore[operator]
                 "--metric", "dau", "--metric", "top_products", "--plans", tmp_path / "plans",
                 "--json", "--db", url)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["metric"] for r in rows] == ["dau", "top_products"]
    assert all(r["engine"] == "spark" and r["rows_equal"] for r in rows)
    assert all(r["naive_ms"] > 0 and r["optimized_ms"] > 0 for r in rows)
    assert (tmp_path / "plans" / "spark" / "dau.naive.txt").exists()
    # the generated schema is gone, and nothing was written to the lake's own tables
    assert not any((lake / "_schemas").iterdir())
    assert not (lake / "events").exists() or not any((lake / "events").rglob("*.parquet"))
