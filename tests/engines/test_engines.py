"""The engine layer on both backends: bound parameters, transactions, bulk appends."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from shoplens.engines import Engine, connect, duckdb_path
from shoplens.errors import ConfigError


def test_schema_is_idempotent(engine: Engine) -> None:
    engine.init_schema()
    engine.init_schema()
    for table in ("users", "products", "events", "orders", "order_items", "search_logs",
                  "sessions", "loads", "quarantine"):
        assert engine.table_exists(table), table
    assert engine.columns("events")[:3] == ["event_id", "user_id", "session_id"]


def test_hostile_values_are_bound_not_pasted(engine: Engine) -> None:
    name = "O'Brien's \"best\" 100% -- ; DROP TABLE products"
    engine.append_df("products", pd.DataFrame(
        {"product_id": ["p1"], "category": ["x"], "price": [Decimal("1.5")], "name": [name]}))
    got = engine.scalar("SELECT name FROM products WHERE name = :n AND name LIKE '%100%%'",
                        {"n": name})
    assert got == name
    assert engine.scalar("SELECT count(*) FROM products") == 1


def test_transaction_rolls_back_everything(engine: Engine) -> None:
    df = pd.DataFrame({"user_id": ["a", "b"], "country": ["FR", "DE"]})
    with pytest.raises(RuntimeError), engine.transaction():
        engine.append_df("users", df)
        assert engine.scalar("SELECT count(*) FROM users") == 2
        raise RuntimeError("boom")
    assert engine.scalar("SELECT count(*) FROM users") == 0
    with engine.transaction():
        engine.append_df("users", df)
    assert engine.scalar("SELECT count(*) FROM users") == 2


def test_append_arrow_lists_nulls_and_money(engine: Engine) -> None:
    table = pa.table({
        "search_id": pa.array([1, 2, 3], pa.int64()),
        "user_id": ["u1", "u2", "u3"],
        "search_query": ['red "running" shoes', "", "tv, 55 inch"],
        "clicked_product_ids": pa.array([["p1", "p,2"], None, []], pa.list_(pa.string())),
        "ts": pa.array([pd.Timestamp("2024-01-01 10:00:00")] * 3, pa.timestamp("us")),
    })
    assert engine.append_arrow("search_logs", table) == 3
    df = engine.fetch_df("SELECT search_query, clicked_product_ids FROM search_logs ORDER BY search_id")
    assert df["search_query"].tolist() == ['red "running" shoes', "", "tv, 55 inch"]
    assert list(df["clicked_product_ids"][0]) == ["p1", "p,2"]
    assert df["clicked_product_ids"][1] is None
    assert list(df["clicked_product_ids"][2]) == []


def test_money_sums_are_exact(engine: Engine) -> None:
    engine.append_df("products", pd.DataFrame({
        "product_id": [f"p{i}" for i in range(10)], "price": [Decimal("0.1")] * 10}))
    assert engine.scalar("SELECT sum(price) FROM products") == Decimal("1.0")


def test_urls() -> None:
    assert duckdb_path("duckdb:///tmp/x.duckdb") == "/tmp/x.duckdb"
    assert duckdb_path("duckdb:rel/x.duckdb") == "rel/x.duckdb"
    assert duckdb_path("duckdb:///:memory:") == ":memory:"
    with pytest.raises(ConfigError, match="unknown database URL"):
        connect("mysql://x")
    with pytest.raises(ConfigError, match=r"cannot connect to PostgreSQL at postgresql://u:\*\*\*@"):
        connect("postgresql://u:secret@127.0.0.1:1/db")


def test_key_columns_refuse_nulls_and_loads_keep_keys_unique(engine: Engine, tmp_path: Path) -> None:
    """Key columns are NOT NULL on every engine; on DuckDB they carry no index (see
    ``primary_key_indexes``), so uniqueness is the loader's: overlapping loads of the
    same users, products and sessions leave one row per key."""
    from shoplens.ingest import load

    with pytest.raises(Exception, match=r"(?i)null"):
        engine.append_df("users", pd.DataFrame({"user_id": [None], "country": ["FR"]}))
    header = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n"
    rows = [f"2019-10-01 00:00:0{i} UTC,view,p{i % 2},1,c,b,1.00,u{i % 3},s{i % 2}\n" for i in range(8)]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(header + "".join(rows[:5]))
    second.write_text(header + "".join(rows[3:]))  # rows 3 and 4 again, sessions s0/s1 again
    load(engine, [first])
    load(engine, [second])
    for table, key, n in (("users", "user_id", 3), ("products", "product_id", 2),
                          ("sessions", "session_id", 2)):
        assert engine.fetch_all(f"SELECT count(*), count(DISTINCT {key}) FROM {table}") == [(n, n)]
    assert engine.scalar("SELECT sum(n_events) FROM sessions") == 8
    assert engine.scalar("SELECT count(*) FROM events") == 8


def test_primary_keys_as_not_null() -> None:
    from shoplens.engines.sql import transpile

    ddl = ("CREATE TABLE t (a TEXT PRIMARY KEY, b INT NOT NULL PRIMARY KEY, c INT, "
           "PRIMARY KEY (c))")
    assert transpile(ddl, "duckdb", primary_keys=False) == \
        "CREATE TABLE t (a TEXT NOT NULL, b INT NOT NULL, c INT)"
    assert "PRIMARY KEY" in transpile(ddl, "duckdb")
    assert "PRIMARY KEY" in transpile(ddl, "postgres", primary_keys=True)


def test_deferred_keys_rebuild_the_key_and_still_refuse_duplicates(engine: Engine) -> None:
    users = pd.DataFrame({"user_id": [f"u{i}" for i in range(1000)], "country": ["FR"] * 1000})
    with engine.transaction(), engine.deferred_keys("users"):
        engine.append_df("users", users)
    assert engine.scalar("SELECT count(*) FROM users") == 1000
    if not engine.primary_key_indexes:
        return  # no key index to defer (DuckDB): the loader keeps keys unique
    key = "SELECT count(*) FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'p'"
    assert engine.scalar(key) == 1  # the key is back
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), engine.transaction(), \
            engine.deferred_keys("users"):
        engine.append_df("users", users.head(3))
    assert engine.scalar("SELECT count(*) FROM users") == 1000  # rolled back whole
    assert engine.scalar(key) == 1


def _events(first_id: int, n: int, start: str) -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": range(first_id, first_id + n), "user_id": "u", "event_type": "view",
        "raw_event": "view",
        "event_time": pd.date_range(start, periods=n, freq="min")})


def _analyses(engine: Engine) -> int:
    return int(engine.scalar("SELECT analyze_count FROM pg_stat_user_tables "
                             "WHERE relid = to_regclass('events')"))


def test_statistics_after_a_load_follow_what_it_changed(engine: Engine) -> None:
    """A new day past the end of the event times is estimated as what it holds, not one
    row; a table's statistics are gathered again only when a load changed enough of it."""
    engine.append_df("events", _events(1, 20_000, "2024-01-01"))
    engine.gather_statistics(["events"])
    with engine.transaction():
        engine.append_df("events", _events(30_000, 1_440, "2024-01-20"))
        engine.note_appended_range("events", "event_time")  # no-op where nothing to do
        got = engine.fetch_all("SELECT COUNT(*) FROM events WHERE event_time >= :d",
                               {"d": pd.Timestamp("2024-01-20").to_pydatetime()})
    assert got == [(1_440,)]
    if engine.dialect != "postgres":
        engine.gather_statistics(["events"], min_changed=0.1)
        return
    plan = engine.fetch_all("EXPLAIN (FORMAT JSON) SELECT * FROM events "
                            "WHERE event_time >= '2024-01-20'", native=True)[0][0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert plan[0]["Plan"]["Plan Rows"] > 100  # 1 without the note (past the histogram)
    engine.fetch_all("SELECT pg_stat_force_next_flush()", native=True)
    engine.gather_statistics(["events"])
    before = _analyses(engine)
    with engine.transaction():  # 1 % of the table: left to autovacuum
        engine.append_df("events", _events(40_000, 200, "2024-01-21"))
        engine.gather_statistics(["events"], min_changed=0.1)
    assert _analyses(engine) == before
    with engine.transaction():  # a quarter of it: gathered again
        engine.append_df("events", _events(50_000, 6_000, "2024-01-22"))
        engine.gather_statistics(["events"], min_changed=0.1)
    assert _analyses(engine) == before + 1


def test_a_large_result_reads_the_same_every_time(engine: Engine) -> None:
    """A large result read again (PostgreSQL: as CSV through COPY, with the types its
    first read described) has the same Arrow types and values: NULL and empty text,
    quotes, commas and newlines in text, NaN and infinities, booleans, dates, times,
    a column of only NULLs (null-typed on PostgreSQL, as its row path has no value to
    infer a type from); an empty result keeps the columns."""
    sql = ("SELECT i, CAST(i AS DOUBLE PRECISION) / 7 AS ratio, "
           "CASE WHEN i % 5 = 0 THEN NULL WHEN i % 5 = 1 THEN '' "
           "ELSE 'a,\"b\"' || CHR(10) || 'c ' || CAST(i AS TEXT) END AS label, "
           "CASE WHEN i % 3 = 0 THEN CAST('NaN' AS DOUBLE PRECISION) "
           "WHEN i % 3 = 1 THEN CAST('-Infinity' AS DOUBLE PRECISION) END AS odd, "
           "i % 2 = 0 AS even, CAST(NULL AS BIGINT) AS nothing, "
           "CAST(CAST('2024-01-01' AS DATE) + CAST(i % 30 AS INTEGER) AS DATE) AS day, "
           "CAST('2024-01-01 00:00:00' AS TIMESTAMP) + i * INTERVAL '1 second' AS at "
           "FROM generate_series(1, :n) AS g(i) ORDER BY i")
    first = engine.fetch_arrow(sql, {"n": 1500})
    again = engine.fetch_arrow(sql, {"n": 1500})
    assert again.schema == first.schema
    assert again.to_pandas().equals(first.to_pandas())
    assert [c.null_count for c in again.columns] == [c.null_count for c in first.columns]
    labels = again.column("label").to_pylist()
    assert labels[:5] == ['', 'a,"b"\nc 2', 'a,"b"\nc 3', 'a,"b"\nc 4', None]
    assert again.column("nothing").null_count == 1500
    none = engine.fetch_arrow(sql, {"n": 0})
    assert none.num_rows == 0 and none.column_names == first.column_names
