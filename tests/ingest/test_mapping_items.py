"""Rows that list several products (GA4 ``items``, Segment's ``properties.products``): every
element is a product event or order line of its own, priced ``price * quantity``, with its
own category and brand, on DuckDB and PostgreSQL. Fixtures follow the platforms' documented
layouts: the GA4 BigQuery export schema and Segment's Ecommerce spec v2."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from shoplens.engines import Engine, connect
from shoplens.errors import ConfigError
from shoplens.ingest import load
from shoplens.ingest.mapping import mapping_from_dict, preset

from .helpers import write_jsonl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapped"
NET_REVENUE = ("SELECT sum(CASE WHEN event_type = 'purchase' THEN price * quantity "
               "WHEN event_type = 'refund' THEN -price * quantity END) FROM events")


def _items(engine: Engine, event_type: str) -> list[tuple]:
    return sorted((r[0], r[1], Decimal(r[2]), int(r[3])) for r in engine.fetch_all(
        "SELECT user_id, product_id, price, quantity FROM events WHERE event_type = :t",
        {"t": event_type}))


def test_ga4_every_item_of_a_purchase_is_a_purchase_row(engine: Engine, tmp_path: Path) -> None:
    rep = load(engine, [FIXTURES / "ga4_bigquery_multi_item.jsonl"], mapping=preset("ga4"),
               quarantine_dir=tmp_path)
    # six rows of the export: 1 + 2 + 1 + 4 + 1 + 1 item rows
    assert (rep.rows_read, rep.rows_loaded, rep.rows_quarantined) == (10, 10, 0)
    assert f"{FIXTURES / 'ga4_bigquery_multi_item.jsonl'}: 6 rows hold 10 items; each item is " \
        "loaded (and counted) as a row of its own" in rep.warnings
    assert _items(engine, "purchase") == [
        ("8888.2", "SKU-7", Decimal("21"), 2),
        ("cust-21", "GIFT-1", Decimal("0"), 1),  # the free gift wrap is a real line
        ("cust-21", "SKU-1", Decimal("59"), 1),  # the shirt twice (M and L): two lines
        ("cust-21", "SKU-1", Decimal("59"), 1),
        ("cust-21", "SKU-7", Decimal("21"), 1),
    ]
    assert _items(engine, "refund") == [("cust-21", "SKU-7", Decimal("21"), 1)]
    # T-2001's purchase_revenue is 139.00 = 2 x 59 + 21 + 0; T-2002's 47.50 counts
    # shipping, its items 42.00: revenue is the items', and the load says so
    assert Decimal(engine.scalar(NET_REVENUE)) == Decimal("139") + Decimal("42") - Decimal("21")
    assert [w for w in rep.warnings if "do not add up" in w] == [
        f"{FIXTURES / 'ga4_bigquery_multi_item.jsonl'}: 1 row(s) whose items' price x quantity "
        "do not add up to their revenue (first: line 5, items 42.0000, revenue 47.5000); "
        "revenue is counted from the items"]
    # item-level category and brand; the list view lists two products
    assert engine.fetch_all("SELECT product_id, category, brand, name FROM products "
                            "ORDER BY 1") == [
        ("GIFT-1", None, None, "Gift wrap"), ("SKU-1", "apparel", "Maison", "Linen Shirt"),
        ("SKU-7", "bags", "Maison", "Canvas Tote")]
    assert engine.fetch_all("SELECT product_id FROM events WHERE raw_event = 'view_item_list' "
                            "ORDER BY 1") == [("SKU-1",), ("SKU-7",)]
    # the event without items stays one row
    assert engine.scalar("SELECT count(*) FROM events WHERE raw_event = 'session_start'") == 1


def test_ga4_multi_item_reload_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    file = FIXTURES / "ga4_bigquery_multi_item.jsonl"
    load(engine, [file], mapping=preset("ga4"), quarantine_dir=tmp_path)
    again = load(engine, [file], mapping=preset("ga4"), quarantine_dir=tmp_path)
    assert (again.rows_loaded, again.rows_already_present) == (0, 10)
    assert engine.scalar("SELECT count(*) FROM events") == 10


def test_segment_order_completed_products(engine: Engine, tmp_path: Path) -> None:
    rep = load(engine, [FIXTURES / "segment_order_completed.jsonl"], mapping=preset("segment"),
               quarantine_dir=tmp_path)
    assert (rep.rows_read, rep.rows_loaded, rep.rows_quarantined) == (7, 7, 0)
    assert not [w for w in rep.warnings if "do not add up" in w]  # revenue 25.00 = 19 + 2 x 3
    assert _items(engine, "purchase") == [
        ("u-301", "505bd76785ebb509fc183733", Decimal("3"), 2),
        ("u-301", "507f1f77bcf86cd799439011", Decimal("19"), 1),
        ("u-301", "SAMPLE-1", Decimal("0"), 1),  # no product_id: its sku; free, kept
        ("u-400", "507f1f77bcf86cd799439011", Decimal("19"), 2),
    ]
    assert Decimal(engine.scalar(NET_REVENUE)) == Decimal("25") + Decimal("38") - Decimal("19")
    # the product's own category wins over the list's ("Deals")
    assert engine.fetch_all("SELECT product_id, category, brand FROM products ORDER BY 1") == [
        ("505bd76785ebb509fc183733", "Games", None),
        ("507f1f77bcf86cd799439011", "Games", "Hasbro"), ("SAMPLE-1", "Freebies", "Hasbro")]


def test_orders_with_line_item_arrays(engine: Engine, tmp_path: Path) -> None:
    """An orders export holding its lines as an array (Shopify's Admin API ``orders.json``:
    ``line_items`` with ``sku``, ``title``, ``price``, ``quantity``)."""
    file = write_jsonl(tmp_path / "orders.jsonl", [
        {"name": "#1001", "email": "a@example.com", "created_at": "2023-03-01T10:00:00-05:00",
         "currency": "USD", "line_items": [
             {"sku": "TS-BLUE", "title": "T-shirt", "price": "20.00", "quantity": 2,
              "vendor": "Acme"},
             {"sku": "TS-BLUE", "title": "T-shirt", "price": "20.00", "quantity": 2,
              "vendor": "Acme"},
             {"sku": "", "title": "Sticker", "price": "0.00", "quantity": 1}]},
        {"name": "#1002", "email": "b@example.com", "created_at": "2023-03-02T10:00:00Z",
         "currency": "USD", "line_items": []},
    ])
    mapping = mapping_from_dict({
        "format": "orders", "hash_user_id": True,
        "fields": {"order_id": "name", "user_id": "email", "order_time": "created_at",
                   "currency": "currency"},
        "items": {"column": "line_items", "fields": {
            "product_id": ["sku", "title"], "product_name": "title", "unit_price": "price",
            "quantity": "quantity"}},
    }, "test")
    rep = load(engine, [file], mapping=mapping, quarantine_dir=tmp_path)
    assert sorted((r[0], r[1], r[2], Decimal(r[3])) for r in engine.fetch_all(
        "SELECT order_id, product_id, quantity, unit_price FROM order_items")) == [
        ("#1001", "Sticker", 1, Decimal("0")), ("#1001", "TS-BLUE", 2, Decimal("20")),
        ("#1001", "TS-BLUE", 2, Decimal("20"))]
    # an order without lines has no price: quarantined with the reason, not dropped
    assert (rep.rows_read, rep.rows_loaded, rep.rows_quarantined) == (4, 3, 1)
    assert engine.fetch_all("SELECT line, reason FROM quarantine") == [(2, "missing amount")]


def test_items_that_are_not_an_array_leave_the_row_whole(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "events.jsonl", [
        {"anonymousId": "a", "type": "track", "messageId": "m", "userId": "u1",
         "event": "Order Completed", "timestamp": "2023-01-01T00:00:00Z",
         "properties": {"product_id": "P1", "price": 5, "products": "not json ["}},
        {"anonymousId": "a", "type": "track", "messageId": "m", "userId": "u1",
         "event": "Order Completed", "timestamp": "2023-01-02T00:00:00Z",
         "properties": {"product_id": "P2", "price": 6, "products": {"product_id": "x"}}},
        {"anonymousId": "a", "type": "track", "messageId": "m", "userId": "u1",
         "event": "Order Completed", "timestamp": "2023-01-03T00:00:00Z",
         "properties": {"product_id": "P3", "price": 7, "products": None}},
    ])
    duck = connect(f"duckdb:{tmp_path / 'items.duckdb'}")
    try:
        rep = load(duck, [file], mapping=preset("segment"), quarantine_dir=tmp_path)
        assert rep.rows_loaded == 3
        assert duck.fetch_all("SELECT product_id FROM events ORDER BY 1") == [
            ("P1",), ("P2",), ("P3",)]
    finally:
        duck.close()


def test_unknown_item_field_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"unknown item field.*sizes"):
        mapping_from_dict({"format": "events",
                           "fields": {"user_id": "u", "event": "e", "event_time": "t"},
                           "items": {"column": "items", "fields": {"sizes": "size"}}}, "test")


def test_cli_loads_every_item(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", FIXTURES / "segment_order_completed.jsonl", "--preset", "segment",
              "--db", db_url, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows_loaded"] == 7


def test_describe_says_items_become_rows(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", "--describe", FIXTURES / "ga4_bigquery_multi_item.jsonl", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["mapping"]["preset"] == "ga4"
    assert any(n.startswith("each element of items becomes a row of its own") for n in doc["notes"])


def test_ga4_items_from_parquet(tmp_path: Path) -> None:
    """BigQuery exports to Parquet keep ``items`` a list of structs: the same rows."""
    import duckdb

    parquet = tmp_path / "events_20230602.parquet"
    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM read_json_auto($src)) TO '" + str(parquet).replace("'", "''")
                + "' (FORMAT parquet)", {"src": str(FIXTURES / "ga4_bigquery_multi_item.jsonl")})
    con.close()
    duck = connect(f"duckdb:{tmp_path / 'pq.duckdb'}")
    try:
        rep = load(duck, [parquet], mapping=preset("ga4"), quarantine_dir=tmp_path)
        assert (rep.rows_read, rep.rows_loaded) == (10, 10)
        assert Decimal(duck.scalar(NET_REVENUE)) == Decimal("160")
        assert duck.scalar("SELECT count(*) FROM events WHERE event_type = 'purchase'") == 5
    finally:
        duck.close()
