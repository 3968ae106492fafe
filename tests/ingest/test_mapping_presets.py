"""Every mapping preset on a sample file written to the platform's documented column
layout (tests/fixtures/mapped/), through the Python API. Mapping happens in the load's
scratch DuckDB whatever the target: Shopify and GA4 run on DuckDB and PostgreSQL, the
others on DuckDB only (the suite's time)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shoplens.engines import Engine, connect
from shoplens.ingest import load
from shoplens.ingest.mapping import preset, preset_names

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapped"


@pytest.fixture
def duck(tmp_path: Path):  # type: ignore[no-untyped-def]
    eng = connect(f"duckdb:{tmp_path / 'mapped.duckdb'}")
    try:
        yield eng
    finally:
        eng.close()


def _load(engine: Engine, name: str, file: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return load(engine, [FIXTURES / file], mapping=preset(name), quarantine_dir=tmp_path)


def _lines(engine: Engine) -> list[tuple]:
    return [tuple(r) for r in engine.fetch_all(
        "SELECT i.order_id, i.product_id, i.quantity, i.unit_price, i.is_refund "
        "FROM order_items i ORDER BY 1, 2, 5")]


def _reasons(engine: Engine) -> list[tuple]:
    return [tuple(r) for r in engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line")]


def test_every_preset_has_a_sample() -> None:
    samples = {"shopify", "woocommerce", "magento", "bigcommerce", "ga4", "segment",
               "rudderstack", "snowplow", "transactions"}
    assert set(preset_names()) == samples


def test_shopify(engine: Engine, tmp_path: Path) -> None:
    rep = _load(engine, "shopify", "shopify_orders_export.csv", tmp_path)
    assert (rep.rows_read, rep.rows_loaded, rep.rows_quarantined) == (7, 5, 2)
    assert _lines(engine) == [
        ("#1001", "TOTE-01", 1, Decimal("5"), False), ("#1001", "TS-BLUE", 2, Decimal("20"), False),
        ("#1002", "SAMPLE", 1, Decimal("0"), False),  # a free sample is a real line
        ("#1002", "STK-3", 1, Decimal("12.5"), False), ("#1004", "TS-BLUE", 2, Decimal("20"), False),
    ]
    assert [r[2] for r in _reasons(engine)] == [
        'excluded by the mapping: Financial Status is "voided"',
        "missing customer id (the line cannot belong to a user; load with guest orders to keep it)"]
    orders = engine.fetch_all("SELECT order_id, user_id, order_time, country FROM orders ORDER BY 1")
    # order-level columns left empty on an order's second line come from its first; the
    # zone offset is converted to UTC; e-mail addresses are stored as a pseudonym only
    assert [(o[0], str(o[2]), o[3]) for o in orders] == [
        ("#1001", "2023-01-15 15:23:45", "US"), ("#1002", "2023-01-16 07:02:11", "FR"),
        ("#1004", "2023-02-20 23:30:00", "US")]
    assert orders[0][1] == orders[2][1] and orders[0][1].startswith("u-")  # Alice@Example.com
    assert not engine.fetch_all("SELECT 1 FROM users WHERE user_id LIKE '%@%'")


def test_woocommerce(duck: Engine, tmp_path: Path) -> None:
    rep = _load(duck, "woocommerce", "woocommerce_orders_export.csv", tmp_path)
    assert (rep.rows_quarantined, [r[2] for r in _reasons(duck)]) == (
        1, ['excluded by the mapping: status is "failed"'])
    assert _lines(duck) == [
        ("2101", "502", 3, Decimal("4"), False),  # no SKU: the product id; 12.00 over 3 units
        ("2101", "CB-1K", 1, Decimal("25"), False),
        ("2102", "CB-1K", 1, Decimal("25"), False),  # refunded order: bought, then refunded
        ("2102", "CB-1K", 1, Decimal("25"), True),
        ("2104", "SAMPLE", 1, Decimal("0"), False),
    ]
    net = duck.scalar("SELECT sum(CASE WHEN event_type = 'purchase' THEN price * quantity "
                        "ELSE -price * quantity END) FROM events")
    assert Decimal(net) == Decimal("37")


def test_magento_order_grid(duck: Engine, tmp_path: Path) -> None:
    _load(duck, "magento", "magento_orders_grid.csv", tmp_path)
    assert _lines(duck) == [
        ("000000101", "(no product)", 1, Decimal("1234.5"), False),  # "$1,234.50"
        ("000000102", "(no product)", 1, Decimal("45"), False),
        ("000000103", "(no product)", 1, Decimal("45"), False),
        ("000000103", "(no product)", 1, Decimal("45"), True),
    ]
    times = duck.fetch_all("SELECT order_id, order_time FROM orders ORDER BY 1")
    assert str(times[0][1]) == "2023-01-05 13:02:03"  # "Jan 5, 2023 1:02:03 PM"


def test_bigcommerce_day_first_dates_are_detected_and_reported(duck: Engine,
                                                               tmp_path: Path) -> None:
    rep = _load(duck, "bigcommerce", "bigcommerce_orders_export.csv", tmp_path)
    assert any("dates read day first ('18/01/2023' cannot be month first)" in w
               for w in rep.warnings)
    assert [(o, str(t)) for o, t in duck.fetch_all(
        "SELECT order_id, order_time FROM orders ORDER BY 1")] == [
        ("100", "2023-01-18 00:00:00"), ("101", "2023-02-02 00:00:00"),
        ("102", "2023-02-03 00:00:00")]
    assert ("100", "78", 1, Decimal("30"), False) in _lines(duck)  # no SKU: the product id


def test_ga4_first_non_empty_user_and_nested_params(engine: Engine, tmp_path: Path) -> None:
    rep = _load(engine, "ga4", "ga4_bigquery_events.jsonl", tmp_path)
    assert (rep.rows_read, rep.rows_loaded, rep.rows_quarantined) == (6, 5, 1)
    rows = engine.fetch_all(
        "SELECT user_id, session_id, event_type, raw_event, product_id, price, event_time "
        "FROM events ORDER BY event_time")
    # anonymous rows keep their user_pseudo_id; the signed-in purchase its user_id
    assert [r[0] for r in rows] == ["1111.2222", "1111.2222", "1111.2222", "cust-9", "3333.4444"]
    assert rows[0][1] == "1111.2222:1682935200"  # event_params[ga_session_id], per user
    assert [r[2] for r in rows] == [None, "view", "cart", "purchase", "view"]
    assert (rows[1][4], Decimal(rows[1][5])) == ("SKU-1", Decimal("59"))
    assert str(rows[0][6]) == "2023-05-01 10:00:00"  # microseconds since the epoch
    assert _reasons(engine) == [
        (6, "user_id", "missing user id (none of user_id, user_pseudo_id has a value)")]
    assert engine.fetch_all("SELECT brand, category, name FROM products") == [
        ("Maison", "apparel", "Linen Shirt")]


@pytest.mark.parametrize("name,file,users,types", [
    ("segment", "segment_events.jsonl", ["anon-1", "anon-1", "anon-1", "u-77"],
     [None, "view", "cart", "purchase"]),
    ("rudderstack", "rudderstack_events.jsonl", ["r-anon-1", "cust-5", "r-anon-2"],
     ["view", "purchase", None]),
    ("snowplow", "snowplow_atomic_events.tsv", ["d-1", "d-1", "cust-42", "n-2"],
     [None, "view", "purchase", None]),
])
def test_event_dumps(duck: Engine, tmp_path: Path, name: str, file: str, users: list[str],
                     types: list[str | None]) -> None:
    _load(duck, name, file, tmp_path)
    rows = duck.fetch_all("SELECT user_id, event_type FROM events ORDER BY event_time")
    assert [r[0] for r in rows] == users
    assert [r[1] for r in rows] == types


def test_segment_nested_properties(duck: Engine, tmp_path: Path) -> None:
    _load(duck, "segment", "segment_events.jsonl", tmp_path)
    assert duck.fetch_all("SELECT product_id, category, brand, name FROM products") == [
        ("p-10", "Games", "Hasbro", "Monopoly")]
    assert duck.fetch_all("SELECT quantity FROM events WHERE event_type = 'cart'") == [(2,)]


def test_plain_transactions_file(duck: Engine, tmp_path: Path) -> None:
    rep = _load(duck, "transactions", "transactions_cdnow.txt", tmp_path)
    assert (rep.rows_read, rep.rows_loaded) == (8, 8)
    # customer 2 bought twice on 1997-01-12: one order, two lines; 77.00 over 5 units
    assert sorted(duck.fetch_all(
        "SELECT quantity, unit_price FROM order_items i JOIN orders o USING (order_id) "
        "WHERE o.user_id = '00002'")) == [(1, Decimal("12")), (5, Decimal("15.4"))]
    assert duck.scalar("SELECT count(DISTINCT user_id) FROM orders") == 5
    # the zero-amount purchase keeps its customer
    assert duck.fetch_all("SELECT user_id FROM users WHERE user_id = '00005'") == [("00005",)]
