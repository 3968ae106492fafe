"""The platform-csv layout (legacy spellings), as CSV and as Parquet, on both engines."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.ingest import load

from .helpers import counts, write_csv


def test_platform_folder(engine: Engine, platform_dir: Path) -> None:
    report = load(engine, [platform_dir])
    assert [(f.layout, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        ("platform-users", 3, 3, 0), ("platform-products", 3, 3, 0),
        ("platform-events", 7, 7, 0), ("platform-search", 2, 2, 0)]
    got = counts(engine)
    # the one purchase is an order derived from the events (session s1, that day)
    assert got == {"users": 4, "products": 3, "sessions": 4, "events": 7, "orders": 1,
                   "order_items": 0, "search_logs": 2, "loads": 1, "quarantine": 0}
    assert engine.fetch_all("SELECT order_id, user_id, is_refund FROM orders") == [
        ("s1@2024-01-02", "1", False)]
    rows = engine.fetch_all("SELECT raw_event, event_type FROM events ORDER BY event_time")
    assert rows == [("viewed", "view"), ("add-to-cart", "cart"), ("purchased", "purchase"),
                    ("viewed", "view"), ("remove-from-cart", "remove_from_cart"),
                    ("viewed", "view"), ("viewed", "view")]
    # the legacy layout has no price: events.price stays NULL (revenue uses list prices)
    assert engine.scalar("SELECT count(*) FROM events WHERE price IS NOT NULL") == 0
    users = engine.fetch_all(
        "SELECT user_id, signup_date, country, first_seen FROM users ORDER BY user_id")
    assert [(u[0], str(u[1]) if u[1] else None, u[2], str(u[3])) for u in users] == [
        ("1", "2024-01-01", "FR", "2024-01-02 10:00:00"),
        ("2", "2024-01-05", "DE", "2024-01-06 09:00:00"),
        ("3", "2024-02-01", "US", "2024-01-20 12:00:00"),
        ("4", None, None, "2024-03-01 12:00:00"),
    ]
    name = engine.scalar("SELECT name FROM products WHERE product_id = '11'")
    assert name == "O'Brien's \"best\" shoes, size 42"
    assert engine.scalar("SELECT price FROM products WHERE product_id = '10'") == Decimal("499.99")
    assert engine.scalar("SELECT brand FROM products WHERE product_id = '11'") is None
    s1 = engine.fetch_all("SELECT user_id, session_start, session_end, n_events FROM sessions "
                          "WHERE session_id = 's1'")[0]
    assert (s1[0], str(s1[1]), str(s1[2]), s1[3]) == ("1", "2024-01-02 10:00:00",
                                                      "2024-01-02 10:05:00", 3)
    clicked = engine.fetch_df("SELECT search_query, clicked_product_ids FROM search_logs "
                              "ORDER BY ts")
    assert clicked["search_query"].tolist() == ["phone", 'shoes, "red"']
    assert list(clicked["clicked_product_ids"][0]) == ["10"]
    assert list(clicked["clicked_product_ids"][1]) == []
    # one event precedes its user's signup: loaded, counted, reported
    assert report.events_before_signup == 1
    assert any("1 event(s) precede their user's signup" in w and "line 7" in w
               for w in report.warnings)


def test_platform_strict_rejects_events_before_signup(engine: Engine, platform_dir: Path) -> None:
    with pytest.raises(InputError, match=r"events\.csv, line 7, field 'timestamp': event before"):
        load(engine, [platform_dir], strict=True)
    assert sum(counts(engine).values()) == 0


def test_platform_parquet_equals_csv(engine: Engine, platform_dir: Path, tmp_path: Path) -> None:
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    for name in ("users", "products", "events"):
        table = pacsv.read_csv(platform_dir / f"{name}.csv")  # typed: ints, dates, doubles
        pq.write_table(table, pq_dir / f"{name}.parquet")
    with (platform_dir / "search_logs.jsonl").open() as fh:
        import pyarrow as pa

        recs = [json.loads(line) for line in fh]
        pq.write_table(pa.Table.from_pylist(recs), pq_dir / "search_logs.parquet")
    report = load(engine, [pq_dir], format="parquet")
    assert [f.layout for f in report.files] == ["platform-users", "platform-products",
                                                "platform-events", "platform-search"]
    assert report.rows_quarantined == 0
    first = counts(engine)
    # the same rows from the CSV folder are already present: nothing is added
    again = load(engine, [platform_dir])
    assert counts(engine) == {**first, "loads": 2}
    # the users and products files change nothing: identical rows, neither inserted nor
    # updated (a re-load used to call these merged rows "loaded")
    assert (again.rows_loaded, again.rows_updated) == (0, 0)
    assert [f.rows_already_present for f in again.files] == [3, 3, 7, 2]


def test_unknown_event_types_and_optional_columns(engine: Engine, tmp_path: Path) -> None:
    events = write_csv(tmp_path / "events.csv",
                       ["user_id", "event_type", "product_id", "timestamp", "price", "quantity"], [
        (1, "purchased", 10, "2024-01-02 10:00:00", "19.99", 2),
        (1, "wishlisted", 10, "2024-01-02 10:01:00", "", ""),
        (1, "purchased", 10, "2024-01-02 10:02:00", "-5", 1),
        (1, "viewed", 10, "2024-01-02 10:03:00", "", 0),
        (1, "viewed", 10, "2024-02-30 10:03:00", "", ""),
    ])
    report = load(engine, [events], format="platform-csv")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 1, 4)
    q = engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line")
    assert q == [
        (3, "event_type", 'unknown event type "wishlisted"'),
        (4, "price", 'negative price "-5"'),
        (5, "quantity", 'quantity must be positive, got "0"'),
        (6, "timestamp", 'unparsable time "2024-02-30 10:03:00"'),
    ]
    row = engine.fetch_all("SELECT price, quantity, session_id FROM events")[0]
    assert row[0] == Decimal("19.99") and row[1] == 2
    assert row[2] is not None  # no session column: sessions derived by inactivity
    with (report.quarantine_csv or Path("missing")).open() as fh:
        text = fh.read()
    assert "wishlisted" in text and "load_id" in text


def test_cli_platform_folder(cli, db_url: str, platform_dir: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", platform_dir, "--db", db_url, "--format", "platform-csv")
    assert res.exit_code == 0, res.output
    for layout, name in (("platform-users", "users.csv"), ("platform-events", "events.csv"),
                         ("platform-search", "search_logs.jsonl")):
        assert f"detected platform-csv ({layout}) in {platform_dir / name}" in res.stderr
    assert "personas" not in res.output
    assert "1 event(s) precede their user's signup" in res.stderr
    res = cli("load", platform_dir / "personas.csv", "--db", db_url)
    assert res.exit_code == 2 and "personas file" in res.stderr
    res = cli("load", platform_dir, "--db", db_url, "--format", "rees46")
    assert res.exit_code == 2
    assert "a folder is read as the platform-csv layout, not as rees46" in res.stderr


def test_duplicate_keys_in_users_and_products(engine: Engine, tmp_path: Path) -> None:
    users = write_csv(tmp_path / "users.csv", ["user_id", "signup_date", "country"], [
        (1, "2024-01-01", "FR"), (2, "2024-13-01", "DE"), (1, "2024-02-01", "IT")])
    products = write_csv(tmp_path / "products.csv", ["product_id", "category", "price", "brand",
                                                     "name"], [
        (10, "a.b", "1.00", "", ""), (10, "a.b", "1.00", "", ""), (11, "a.c", "", "", "")])
    report = load(engine, [users, products])
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(1, 2), (1, 2)]
    assert engine.fetch_all("SELECT file, line, field, reason FROM quarantine "
                            "ORDER BY file DESC, line") == [
        (str(users), 3, "signup_date", 'unparsable signup date "2024-13-01"'),
        (str(users), 4, None, "duplicate user id, first at line 2"),
        (str(products), 3, None, "duplicate product id, first at line 2"),
        (str(products), 4, "price", "missing price"),
    ]
    assert engine.fetch_all("SELECT user_id, country FROM users") == [("1", "FR")]
