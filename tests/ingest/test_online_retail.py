"""UCI Online Retail, both editions: cancellations are refunds, never purchases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shoplens.engines import Engine
from shoplens.ingest import load

from .helpers import counts, snapshot, write_csv

FIRST = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
         "CustomerID", "Country"]
SECOND = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
          "Customer ID", "Country"]
HOSTILE = "O'Neill's mug; \"quoted\", comma"
LINES = [  # (invoice, stock, description, qty, (first-edition date, second), price, customer, country)
    ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, 0, "2.55", "17850.0", "United Kingdom"),
    ("536365", "71053", "WHITE METAL LANTERN", 6, 0, "3.39", "17850.0", "United Kingdom"),
    ("536366", "22633", HOSTILE, 6, 1, "1.85", "17850", "United Kingdom"),
    ("C536379", "D", "Discount", -1, 2, "27.50", "14527", "United Kingdom"),
    ("536414", "22139", "", 56, 3, "0", "", "United Kingdom"),
    ("536544", "21773", "DECORATIVE ROSE BATHROOM BOTTLE", 1, 4, "2.51", "", "United Kingdom"),
    ("A563186", "B", "Adjust bad debt", 1, 5, "-11062.06", "", "United Kingdom"),
    ("536589", "21777", "RECIPE BOX WITH METAL HEART", -10, 6, "0", "", "United Kingdom"),
    ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, 0, "2.55", "17850.0", "United Kingdom"),
    ("536367", "84879", "ASSORTED COLOUR BIRD ORNAMENT", 32, 7, "1.69", "13047", "United Kingdom"),
    ("C536383", "35004C", "SET OF 3 COLOURED  FLYING DUCKS", -1, 8, "4.65", "15311", "United Kingdom"),
    ("536370", "22728", "ALARM CLOCK BAKELIKE PINK", 24, 9, "3.75", "12583", "France"),
    ("536371", "22086", "PAPER CHAIN KIT", 1, 10, "1.00", "12583", "France"),
]
DATES = [("12/1/2010 8:26", "2010-12-01 08:26:00"), ("12/1/2010 8:28", "2010-12-01 08:28:00"),
         ("12/1/2010 9:41", "2010-12-01 09:41:00"), ("12/1/2010 11:52", "2010-12-01 11:52:00"),
         ("12/1/2010 14:32", "2010-12-01 14:32:00"), ("8/12/2011 14:51", "2011-08-12 14:51:00"),
         ("12/1/2010 16:50", "2010-12-01 16:50:00"), ("12/1/2010 8:34", "2010-12-01 08:34:00"),
         ("12/1/2010 9:49", "2010-12-01 09:49:00"), ("12/1/2010 8:45", "2010-12-01 08:45:00"),
         ("not a date", "not a date")]
QUARANTINE = [
    (6, "CustomerID", "missing customer id (the line cannot belong to a user; load with guest "
                      "orders to keep it)"),
    (7, "CustomerID", "missing customer id (the line cannot belong to a user; load with guest "
                      "orders to keep it)"),
    (8, "InvoiceNo", 'adjustment invoice "A563186" is not a sale'),
    (9, "Quantity", 'negative quantity on non-cancellation invoice "536589"'),
    (10, None, "exact duplicate of line 2"),
    (14, "InvoiceDate", 'unparsable time "not a date"'),
]


def _rows(edition: int) -> list[tuple]:
    return [(inv, stock, desc, qty, DATES[d][edition], price, cust, country)
            for inv, stock, desc, qty, d, price, cust, country in LINES]


def write_edition(path: Path, edition: int) -> Path:
    return write_csv(path, FIRST if edition == 0 else SECOND, _rows(edition))


def test_first_edition(engine: Engine, tmp_path: Path) -> None:
    report = load(engine, [write_edition(tmp_path / "Online Retail.csv", 0)])
    f = report.files[0]
    assert (f.format, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("online-retail", 13, 7, 6)
    assert engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line") == QUARANTINE
    got = counts(engine)
    assert (got["users"], got["orders"], got["order_items"], got["events"]) == (5, 6, 7, 7)
    # cancellations: refunds with positive quantities, never purchases
    assert dict(engine.fetch_all("SELECT event_type, count(*) FROM events GROUP BY 1")) == {
        "purchase": 5, "refund": 2}
    assert engine.fetch_all("SELECT order_id FROM orders WHERE is_refund ORDER BY 1") == [
        ("C536379",), ("C536383",)]
    assert engine.scalar("SELECT min(quantity) FROM order_items") > 0
    assert engine.scalar("SELECT count(*) FROM order_items WHERE is_refund") == 2
    revenue = engine.scalar(
        "SELECT sum(CASE WHEN event_type = 'purchase' THEN price * quantity "
        "ELSE -price * quantity END) FROM events")
    assert revenue == Decimal("158.67")
    # every customer is a user, the cancellations-only ones too; ids without ".0"
    users = engine.fetch_all("SELECT user_id, country, signup_date FROM users ORDER BY user_id")
    assert users == [("12583", "France", None), ("13047", "United Kingdom", None),
                     ("14527", "United Kingdom", None), ("15311", "United Kingdom", None),
                     ("17850", "United Kingdom", None)]
    assert engine.scalar("SELECT name FROM products WHERE product_id = '22633'") == HOSTILE
    assert engine.scalar("SELECT description FROM order_items WHERE product_id = '22633'") == HOSTILE
    t = engine.scalar("SELECT order_time FROM orders WHERE order_id = '536365'")
    assert str(t) == "2010-12-01 08:26:00"
    csv = (report.quarantine_csv or Path("-")).read_text()
    assert "A563186" in csv and "exact duplicate of line 2" in csv


def test_second_edition_and_parquet_are_the_same_rows(engine: Engine, tmp_path: Path) -> None:
    load(engine, [write_edition(tmp_path / "first.csv", 0)])
    first = snapshot(engine)
    second = load(engine, [write_edition(tmp_path / "online_retail_II.csv", 1)])
    f = second.files[0]
    assert (f.layout, f.rows_loaded, f.rows_quarantined, f.rows_already_present) == (
        "online-retail", 0, 6, 7)
    assert snapshot(engine) == first
    # Parquet with typed columns (customer ids as floats, dates as timestamps)
    import pandas as pd

    df = pd.DataFrame(_rows(1), columns=SECOND)
    df["Customer ID"] = pd.to_numeric(df["Customer ID"]).astype("float64")
    df["Price"] = df["Price"].astype(float)
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], errors="coerce")
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "retail.parquet")
    third = load(engine, [tmp_path / "retail.parquet"])
    f = third.files[0]
    assert (f.layout, f.rows_loaded, f.rows_already_present) == ("online-retail", 0, 7)
    assert f.rows_quarantined == 6
    assert snapshot(engine) == first


@pytest.mark.parametrize("edition", [0, 1])
def test_guest_orders(engine: Engine, tmp_path: Path, edition: int) -> None:
    report = load(engine, [write_edition(tmp_path / "retail.csv", edition)], guest_orders=True)
    assert (report.rows_loaded, report.rows_quarantined) == (9, 4)
    assert engine.scalar("SELECT count(*) FROM orders WHERE user_id IS NULL") == 2
    assert engine.scalar("SELECT count(*) FROM order_items") == 9
    # guest lines have no user, hence no event
    assert engine.scalar("SELECT count(*) FROM events") == 7


def test_zero_price_lines_are_kept_with_their_customer(engine: Engine, tmp_path: Path) -> None:
    """Free items and samples are real order lines: revenue 0, the customer kept."""
    path = write_csv(tmp_path / "retail.csv", FIRST, [
        ("540001", "SAMPLE", "FREE SAMPLE", 1, "1/4/2011 10:00", "0", "19001", "Norway"),
        ("540002", "22086", "PAPER CHAIN KIT", 2, "1/5/2011 10:00", "1.50", "19002", "Norway"),
    ])
    report = load(engine, [path])
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)
    assert engine.fetch_all("SELECT user_id FROM users ORDER BY 1") == [("19001",), ("19002",)]
    assert engine.fetch_all(
        "SELECT unit_price FROM order_items WHERE product_id = 'SAMPLE'") == [(Decimal("0"),)]
    assert engine.fetch_all(
        "SELECT user_id, price FROM events WHERE product_id = 'SAMPLE'") == [("19001", Decimal("0"))]
