"""The Spark engine keeps the Engine contract on a Parquet lake: bound parameters,
all-or-nothing transactions, bulk appends into date partitions, partition rewrites."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from shoplens.engines import Engine, connect
from shoplens.engines.spark import SparkEngine, SparkOptions
from shoplens.errors import ConfigError, ShopLensError, UnsupportedOperationError
from shoplens.lake.catalog import Lake, data_files


def _events(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": [r[0] for r in rows],
        "user_id": [r[1] for r in rows],
        "event_type": [r[2] for r in rows],
        "raw_event": [r[2] for r in rows],
        "price": [Decimal(r[3]) if r[3] else None for r in rows],
        "event_time": pd.to_datetime([r[4] for r in rows]),
    })


ROWS = [
    (1, "u1", "view", None, "2024-01-01 10:00:00"),
    (2, "u2", "view", None, "2024-01-02 23:59:59"),
    (3, "u1", "purchase", "2.50", "2024-01-03 00:00:00"),
    (4, "u3", "purchase", "0.10", "2024-01-03 12:00:00"),
]


def test_urls() -> None:
    o = SparkOptions.from_url("spark://local[*]?lake=/data/lake")
    assert (o.master, o.lake) == ("local[*]", "/data/lake")
    o = SparkOptions.from_url("spark://10.0.0.5:7077?lake=/mnt/lake&shuffle_partitions=64")
    assert (o.master, o.lake, o.shuffle_partitions) == ("spark://10.0.0.5:7077", "/mnt/lake", 64)
    with pytest.raises(ConfigError, match="unknown spark URL option"):
        SparkOptions.from_url("spark://local[2]?lake=x&colour=red")


def test_schema_is_idempotent_and_persistent(spark_engine: Engine) -> None:
    spark_engine.init_schema()
    for table in ("users", "products", "events", "orders", "order_items", "search_logs",
                  "sessions", "loads", "quarantine"):
        assert spark_engine.table_exists(table), table
    assert spark_engine.columns("events")[:3] == ["event_id", "user_id", "session_id"]
    doc = json.loads(Path(spark_engine.lake.root, "_shoplens/tables/events.json").read_text())
    assert doc["partition_column"] == "event_date"
    assert {"name": "price", "type": "DECIMAL(18,4)", "not_null": False, "default": None} \
        in doc["columns"]


def test_hostile_values_are_bound_not_pasted(spark_engine: Engine) -> None:
    name = "O'Brien's \"best\" 100% -- ; DROP TABLE products"
    spark_engine.append_df("products", pd.DataFrame(
        {"product_id": ["p1"], "category": ["x"], "price": [Decimal("1.5")], "name": [name]}))
    got = spark_engine.scalar(
        "SELECT name FROM products WHERE name = :n AND name LIKE '%100%%'", {"n": name})
    assert got == name
    assert spark_engine.scalar("SELECT count(*) FROM products") == 1


def test_transaction_rolls_back_everything(spark_engine: Engine) -> None:
    users = pd.DataFrame({"user_id": ["a", "b"], "country": ["FR", "DE"]})
    with pytest.raises(RuntimeError), spark_engine.transaction():
        spark_engine.append_df("users", users)
        spark_engine.append_df("events", _events(ROWS))
        assert spark_engine.scalar("SELECT count(*) FROM users") == 2  # sees its own writes
        raise RuntimeError("boom")
    assert spark_engine.scalar("SELECT count(*) FROM users") == 0
    assert spark_engine.scalar("SELECT count(*) FROM events") == 0
    lake = spark_engine.lake.root
    assert data_files(lake / "users") == [] and data_files(lake / "events") == []
    assert list((lake / "_staging").iterdir()) == []  # staged files deleted
    with spark_engine.transaction():
        spark_engine.append_df("users", users)
    assert spark_engine.scalar("SELECT count(*) FROM users") == 2


def test_events_land_in_date_partitions_with_defaults(spark_engine: Engine) -> None:
    assert spark_engine.append_df("events", _events(ROWS)) == 4
    parts = sorted(p.name for p in (spark_engine.lake.root / "events").iterdir())
    assert parts == ["event_date=2024-01-01", "event_date=2024-01-02", "event_date=2024-01-03"]
    df = spark_engine.fetch_df(
        "SELECT event_id, quantity, event_time, price FROM events ORDER BY event_id")
    assert df["quantity"].tolist() == [1, 1, 1, 1]  # the column's DEFAULT
    assert df["event_time"].tolist()[1] == pd.Timestamp("2024-01-02 23:59:59")  # no tz shift
    assert spark_engine.scalar("SELECT sum(price) FROM events") == Decimal("2.6")
    # a second engine on the same lake sees the committed rows
    other = connect(spark_engine.url)
    try:
        assert other.scalar("SELECT count(*) FROM events") == 4
    finally:
        other.close()


def test_append_arrow_lists_nulls_and_money(spark_engine: Engine) -> None:
    table = pa.table({
        "search_id": pa.array([1, 2, 3], pa.int64()),
        "user_id": ["u1", "u2", "u3"],
        "search_query": ['red "running" shoes', "", "tv, 55 inch"],
        "clicked_product_ids": pa.array([["p1", "p,2"], None, []], pa.list_(pa.string())),
        "ts": pa.array([pd.Timestamp("2024-01-01 10:00:00")] * 3, pa.timestamp("us")),
    })
    assert spark_engine.append_arrow("search_logs", table) == 3
    df = spark_engine.fetch_df(
        "SELECT search_query, clicked_product_ids FROM search_logs ORDER BY search_id")
    assert df["search_query"].tolist() == ['red "running" shoes', "", "tv, 55 inch"]
    assert list(df["clicked_product_ids"][0]) == ["p1", "p,2"]
    assert df["clicked_product_ids"][1] is None
    assert list(df["clicked_product_ids"][2]) == []
    spark_engine.append_df("products", pd.DataFrame({
        "product_id": [f"p{i}" for i in range(10)], "price": [Decimal("0.1")] * 10}))
    assert spark_engine.scalar("SELECT sum(price) FROM products") == Decimal("1.0")


def test_not_null_and_unknown_columns_fail_and_write_nothing(spark_engine: Engine) -> None:
    bad = _events(ROWS).assign(user_id=["u1", None, "u3", "u4"])
    with pytest.raises(ShopLensError, match='column "user_id" of table "events"'):
        spark_engine.append_df("events", bad)
    with pytest.raises(ShopLensError, match=r"no column\(s\) \['colour'\]"):
        spark_engine.append_df("users", pd.DataFrame({"user_id": ["a"], "colour": ["red"]}))
    with pytest.raises(ShopLensError, match="not-null"):
        spark_engine.execute("INSERT INTO users (user_id, country) VALUES (NULL, 'FR')")
    assert spark_engine.scalar("SELECT count(*) FROM events") == 0
    assert spark_engine.scalar("SELECT count(*) FROM users") == 0


def test_delete_and_update_rewrite_only_matching_partitions(spark_engine: Engine) -> None:
    spark_engine.append_df("events", _events(ROWS))
    root = spark_engine.lake.root / "events"
    untouched = data_files(root / "event_date=2024-01-01")
    spark_engine.execute("DELETE FROM events WHERE user_id = :u AND event_type = :t",
                         {"u": "u1", "t": "purchase"})
    assert spark_engine.fetch_all("SELECT event_id FROM events ORDER BY 1") == [(1,), (2,), (4,)]
    assert data_files(root / "event_date=2024-01-01") == untouched  # not rewritten
    spark_engine.execute("UPDATE events SET price = price * 2, quantity = 3 "
                         "WHERE event_type = 'purchase'")
    assert spark_engine.fetch_all("SELECT event_id, price, quantity FROM events "
                                  "ORDER BY 1") == [(1, None, 1), (2, None, 1),
                                                    (4, Decimal("0.2"), 3)]
    assert data_files(root / "event_date=2024-01-01") == untouched
    # a condition that is NULL keeps the row, as in SQL
    spark_engine.execute("DELETE FROM events WHERE price > 0")
    assert spark_engine.scalar("SELECT count(*) FROM events") == 2


def test_update_from_and_insert_on_conflict(spark_engine: Engine) -> None:
    spark_engine.append_df("users", pd.DataFrame({"user_id": ["a", "b"], "country": ["FR", None]}))
    spark_engine.execute("CREATE TEMPORARY TABLE users_in AS SELECT * FROM users WHERE 1 = 0")
    spark_engine.append_df("users_in", pd.DataFrame({"user_id": ["b", "c"], "country": ["DE", "US"]}))
    spark_engine.execute("UPDATE users SET country = i.country FROM users_in AS i "
                         "WHERE users.user_id = i.user_id")
    spark_engine.execute("INSERT INTO users (user_id, country) SELECT user_id, country "
                         "FROM users_in ON CONFLICT (user_id) DO NOTHING")
    spark_engine.execute("DROP TABLE users_in")
    assert spark_engine.fetch_all("SELECT user_id, country FROM users ORDER BY 1") == [
        ("a", "FR"), ("b", "DE"), ("c", "US")]
    assert not spark_engine.table_exists("users_in")
    assert not (spark_engine.lake.root / "users_in").exists()  # temp: never in the lake


def test_unsupported_statements_name_operation_and_engine(spark_engine: Engine) -> None:
    with pytest.raises(UnsupportedOperationError, match="MERGE is not available on the spark"):
        spark_engine.execute("MERGE INTO users u USING users v ON u.user_id = v.user_id "
                             "WHEN MATCHED THEN UPDATE SET country = v.country")
    with pytest.raises(UnsupportedOperationError, match="ON CONFLICT DO UPDATE"):
        spark_engine.execute("INSERT INTO users (user_id) VALUES ('a') "
                             "ON CONFLICT (user_id) DO UPDATE SET country = 'x'")


def test_partition_pruning_reads_only_the_days_asked(spark_engine: Engine) -> None:
    spark_engine.append_df("events", _events(ROWS))
    query = ("SELECT count(*) AS n FROM events e "
             "WHERE e.event_time >= :lo AND e.event_time < :hi")
    bounds = {"lo": datetime(2024, 1, 3), "hi": datetime(2024, 1, 4)}
    assert spark_engine.scalar(query, bounds) == 2
    plan = spark_engine.explain(query, bounds)
    assert "PartitionFilters" in plan and "event_date" in plan
    assert "Execution Time" in plan
    # selects with * keep the schema's columns (no partition column leaks)
    star = spark_engine.fetch_df("SELECT * FROM events WHERE event_time >= :lo", bounds)
    assert list(star.columns) == spark_engine.columns("events")


def test_interrupted_commit_is_finished_on_reopen(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    staged = lake.staging_dir("tx1") / "users" / "part-1.parquet"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"PAR1")
    target = lake.table_dir("users") / "part-1.parquet"
    journal = {"tx": "tx1", "ops": [["mv", str(staged), str(target)]]}
    (lake.meta / "journal.json").write_text(json.dumps(journal))
    Lake(tmp_path / "lake")  # reopening rolls the decided commit forward
    assert target.exists() and not staged.exists()
    assert not (lake.meta / "journal.json").exists()


def test_spark_engine_is_an_engine(spark_engine: Engine) -> None:
    assert isinstance(spark_engine, SparkEngine)
    assert (spark_engine.name, spark_engine.dialect) == ("spark", "spark")
    assert spark_engine.options.master == "local[2]"
