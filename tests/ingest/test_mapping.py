"""Declared mappings through the command line: --map, --mapping, --describe, and the bad
input they must refuse before writing anything."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from shoplens.engines import connect

from .helpers import fetch_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapped"
CDNOW_MAP = ("--format", "orders", "--map", "user_id=column1", "--map", "order_time=column2",
             "--map", "quantity=column3", "--map", "amount=column4")


def _nothing_written(db: str) -> bool:
    eng = connect(db)
    try:
        return not eng.fetch_all("SELECT 1 FROM orders UNION ALL SELECT 1 FROM events")
    finally:
        eng.close()


def test_map_options_on_a_headerless_whitespace_file(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", FIXTURES / "transactions_cdnow.txt", *CDNOW_MAP, "--db", db_url, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (doc["rows_read"], doc["rows_loaded"], doc["files"][0]["format"]) == (8, 8, "orders")
    assert fetch_rows(db_url, "SELECT min(order_time), max(order_time) FROM orders") == [
        (fetch_rows(db_url, "SELECT TIMESTAMP '1997-01-01 00:00:00'")[0][0],
         fetch_rows(db_url, "SELECT TIMESTAMP '1997-03-30 00:00:00'")[0][0])]
    again = cli("load", FIXTURES / "transactions_cdnow.txt", *CDNOW_MAP, "--db", db_url, "--json")
    doc = json.loads(again.stdout)  # read again (a mapping may have changed), adds nothing
    assert (doc["rows_loaded"], doc["rows_already_present"]) == (0, 8)


def test_relational_export_joined_by_keys(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    folder = FIXTURES / "relational"
    res = cli("load", folder, "--mapping", folder / "mapping.yml", "--db", db_url)
    assert res.exit_code == 0, res.output
    assert fetch_rows(db_url, "SELECT order_id, user_id, country, is_refund FROM orders ORDER BY 1") == [
        ("O1", "C1", "FR", False), ("O2", "C2", "ES", False), ("O3", "C1", "FR", True)]
    assert fetch_rows(db_url, "SELECT product_id, category, brand, name FROM products ORDER BY 1") == [
        ("P1", "kitchen.cups", "Bialetti", "Espresso Cup"), ("P2", "kitchen.cutlery", None, "Spoon"),
        ("P3", None, None, "Catalogue")]
    assert fetch_rows(db_url, "SELECT user_id, CAST(signup_date AS VARCHAR) FROM users ORDER BY 1") == [
        ("C1", "2023-05-20"), ("C2", "2023-05-25")]
    # the free catalogue is a line of its own, revenue 0
    assert fetch_rows(db_url, "SELECT unit_price FROM order_items WHERE product_id = 'P3'") == [
        (Decimal("0"),)]


def test_semicolons_and_decimal_commas_are_detected(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"duckdb:{tmp_path / 'eu.duckdb'}"
    res = cli("load", FIXTURES / "eu_orders_semicolon.csv", "--format", "orders",
              "--map", "order_id=Bestellnummer", "--map", "user_id=Kunde", "--map", "order_time=Datum",
              "--map", "product_id=Artikel", "--map", "quantity=Menge",
              "--map", "unit_price=Einzelpreis", "--db", db)
    assert res.exit_code == 0, res.output
    assert "decimal comma ('1,50')" in res.output
    assert "dates read day first ('13.01.2023 09:30' cannot be month first)" in res.output
    assert fetch_rows(db, "SELECT order_id, product_id, quantity, unit_price FROM order_items "
                          "ORDER BY 1, 2") == [
        ("A-1", "Kanne", 1, Decimal("1234")), ("A-1", "Tee", 2, Decimal("1.5")),
        ("A-2", "Tee", 1, Decimal("1.5"))]


def test_tabs_and_month_first_times(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"duckdb:{tmp_path / 'retail.duckdb'}"
    res = cli("load", FIXTURES / "retail_lines_month_first.tsv", "--format", "orders",
              "--map", "order_id=Invoice", "--map", "user_id=Customer ID",
              "--map", "order_time=InvoiceDate", "--map", "product_id=StockCode",
              "--map", "quantity=Quantity", "--map", "unit_price=Price", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    assert any("dates read month first ('12/13/2010 8:28' cannot be day first)" in w
               for w in json.loads(res.stdout)["warnings"])
    assert fetch_rows(db, "SELECT order_id, CAST(order_time AS VARCHAR), is_refund FROM orders "
                          "ORDER BY 1") == [
        ("536365", "2010-12-01 08:26:00", False), ("536366", "2010-12-13 08:28:00", False),
        ("536370", "2010-12-01 08:45:00", False), ("C536379", "2010-12-01 09:41:00", True)]


def test_epoch_milliseconds_and_a_yaml_mapping_for_a_headerless_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "clicks.csv"
    data.write_text("u1|1682935200000|Product Viewed|p1\nu1|1682935260000|Product Added|p1\n"
                    "|1682935300000|Product Viewed|p2\n")
    mapping = tmp_path / "clicks.yml"
    mapping.write_text("format: events\nheader: false\ndelimiter: '|'\n"
                       "columns: [who, when, what, item]\n"
                       "fields: {user_id: who, event_time: when, event: what, product_id: item}\n")
    db = f"duckdb:{tmp_path / 'clicks.duckdb'}"
    res = cli("load", data, "--mapping", mapping, "--db", db, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows_quarantined"] == 1  # no user at all
    assert fetch_rows(db, "SELECT user_id, event_type, CAST(event_time AS VARCHAR) FROM events "
                     "ORDER BY event_time") == [
        ("u1", "view", "2023-05-01 10:00:00"), ("u1", "cart", "2023-05-01 10:01:00")]


def test_a_missing_column_fails_before_writing_and_lists_the_columns(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", FIXTURES / "shopify_orders_export.csv", "--preset", "shopify",
              "--map", "user_id=Customer Email", "--db", db_url)
    assert res.exit_code == 2
    assert ("the mapping names column 'Customer Email' for user_id, which the file does not "
            "have; its columns: Name, Email, Financial Status,") in res.stderr
    assert "Traceback" not in res.output
    assert _nothing_written(db_url)


def test_a_date_format_matching_no_row_names_the_column(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "m.yml"
    mapping.write_text("preset: transactions\ndate_format: '%d/%m/%Y'\n")
    db = f"duckdb:{tmp_path / 'd.duckdb'}"
    res = cli("load", FIXTURES / "transactions_cdnow.txt", "--mapping", mapping, "--db", db)
    assert res.exit_code == 2
    assert "date_format %d/%m/%Y matches no row of column 'date' (a value: '19970101')" in res.stderr
    assert _nothing_written(db)


def test_ambiguous_day_month_order_is_reported_not_guessed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"duckdb:{tmp_path / 'a.duckdb'}"
    args = ("load", FIXTURES / "ambiguous_dates.csv", "--format", "orders", "--map",
            "user_id=customer", "--map", "order_time=date", "--map", "amount=amount", "--db", db)
    res = cli(*args)
    assert res.exit_code == 2
    assert "the day/month order of column 'date' is ambiguous" in res.stderr
    assert "'01/02/2023'" in res.stderr and "date_format" in res.stderr
    assert _nothing_written(db)
    mapping = tmp_path / "m.yml"
    mapping.write_text("format: orders\ndate_format: '%d/%m/%Y'\n"
                       "fields: {user_id: customer, order_time: date, amount: amount}\n")
    res = cli("load", FIXTURES / "ambiguous_dates.csv", "--mapping", mapping, "--db", db)
    assert res.exit_code == 0, res.output
    assert fetch_rows(db, "SELECT CAST(min(order_time) AS VARCHAR) FROM orders") == [("2023-02-01 00:00:00",)]


def test_mixed_decimal_separators_are_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "mixed.csv"
    data.write_text("customer;date;amount\nc1;2023-01-01;1,50\nc2;2023-01-02;2.25\n")
    res = cli("load", data, "--format", "orders", "--map", "user_id=customer",
              "--map", "order_time=date", "--map", "amount=amount",
              "--db", f"duckdb:{tmp_path / 'm.duckdb'}")
    assert res.exit_code == 2
    assert "amounts use both a decimal comma ('1,50' in 'amount') and a decimal point ('2.25'" in res.stderr


@pytest.mark.parametrize("args,message", [
    (("--map", "user_id=a"), "--map needs --format orders or --format events"),
    (("--preset", "etsy"), "unknown preset 'etsy': use one of bigcommerce, ga4,"),
    (("--format", "orders", "--map", "user=a"), "unknown orders field(s) user in the mapping"),
    (("--format", "orders", "--map", "user_id=a"),
     "the orders mapping names no column for order_time, unit_price or amount"),
    (("--format", "orders", "--map", "user_id"), "--map 'user_id': write FIELD=COLUMN"),
])
def test_bad_mapping_options(cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", FIXTURES / "transactions_cdnow.txt", *args,
              "--db", f"duckdb:{tmp_path / 'x.duckdb'}")
    assert res.exit_code == 2
    assert message in res.stderr


def test_describe_proposes_a_preset(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", "--describe", FIXTURES / "shopify_orders_export.csv", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["mapping"]["preset"] == "shopify"
    assert doc["mapping"]["fields"]["order_time"] == "Created at"


def test_describe_a_headerless_file_by_its_values(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", "--describe", FIXTURES / "transactions_cdnow.txt")
    assert res.exit_code == 0, res.output
    assert "runs of blanks" in res.stderr and "no header row" in res.stderr
    assert res.stdout.splitlines()[:3] == ["format: orders", "header: false", "delimiter: whitespace"]
    assert "  user_id: column1" in res.stdout and "  order_time: column2" in res.stdout
    assert "  quantity: column3" in res.stdout and "  amount: column4" in res.stdout
    # the proposal loads as it is
    proposal = tmp_path / "proposal.yml"
    proposal.write_text(res.stdout)
    loaded = cli("load", FIXTURES / "transactions_cdnow.txt", "--mapping", proposal,
                 "--db", f"duckdb:{tmp_path / 'p.duckdb'}", "--json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["rows_loaded"] == 8


def test_describe_reports_ambiguous_dates(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", "--describe", FIXTURES / "ambiguous_dates.csv", "--json")
    doc = json.loads(res.stdout)
    assert doc["mapping"]["fields"] == {"user_id": "customer", "order_time": "date", "amount": "amount"}
    assert any("ambiguous" in n for n in doc["notes"])
    assert "SET ME" in doc["mapping"]["date_format"]


def test_currency_and_refund_rules(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "gbp.yml"
    mapping.write_text("preset: bigcommerce\ncurrency: GBP\n")
    db = f"duckdb:{tmp_path / 'c.duckdb'}"
    res = cli("load", FIXTURES / "bigcommerce_orders_export.csv", "--mapping", mapping, "--db", db,
              "--json")
    assert res.exit_code == 0, res.output
    assert fetch_rows(db, "SELECT line, reason FROM quarantine") == [
        (5, 'currency "USD" is not the shop\'s GBP')]
    # a refund rule by prefix: invoices starting with C are refunds, quantity made positive
    mapping = tmp_path / "retail.yml"
    mapping.write_text(
        "format: orders\nrefund: {column: Invoice, prefix: C, negative: false}\n"
        "fields: {order_id: Invoice, user_id: Customer ID, order_time: InvoiceDate, "
        "product_id: StockCode, quantity: Quantity, unit_price: Price}\n")
    db = f"duckdb:{tmp_path / 'r.duckdb'}"
    res = cli("load", FIXTURES / "retail_lines_month_first.tsv", "--mapping", mapping, "--db", db)
    assert res.exit_code == 0, res.output
    assert fetch_rows(db, "SELECT order_id, quantity, is_refund FROM order_items WHERE is_refund") == [
        ("C536379", 1, True)]


@pytest.mark.parametrize("file,name", [
    ("segment_events.jsonl", "segment"), ("rudderstack_events.jsonl", "rudderstack"),
    ("ga4_bigquery_events.jsonl", "ga4"), ("snowplow_atomic_events.tsv", "snowplow"),
    ("woocommerce_orders_export.csv", "woocommerce"), ("magento_orders_grid.csv", "magento"),
    ("bigcommerce_orders_export.csv", "bigcommerce"),
])
def test_describe_recognises_each_platform(cli, file: str, name: str) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", "--describe", FIXTURES / file, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["mapping"]["preset"] == name
