"""GA4 purchases carry the shop's transaction id (``ecommerce.transaction_id``): it is the
order id, and a purchase GA4 sent twice is counted once, through the command line on
DuckDB and PostgreSQL (tests/fixtures/mapped/ga4_bigquery_transactions*.jsonl).

The fixture: T-9001 (a shirt and two totes) sent twice three seconds apart, T-9002 in the
same session and day, a purchase whose transaction id is GA4's ``(not set)``, one without
an ``ecommerce`` record, and a refund of T-9002 the next day. The day-2 export repeats
T-9002's purchase and adds T-9003."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .helpers import fetch_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapped"
DAY1 = FIXTURES / "ga4_bigquery_transactions.jsonl"
DAY2 = FIXTURES / "ga4_bigquery_transactions_day2.jsonl"
#: the orders of day 1: two transactions of one session and day stay two orders; the
#: purchases without a transaction id keep the derived <session>@<day> id
DAY1_ORDERS = [("3003.1:1685959200@2023-06-05", "3003.1"), ("T-9001", "1001.1"),
               ("T-9002", "1001.1"), ("cust-5:1685955600@2023-06-05", "cust-5")]
REVENUE = ("SELECT sum(CASE WHEN event_type = 'purchase' THEN price * quantity END), "
           "sum(CASE WHEN event_type = 'refund' THEN price * quantity END) FROM events")


def _load(cli, db: str, tmp_path: Path, *files: Path) -> dict:  # type: ignore[no-untyped-def]
    res = cli("load", *files, "--preset", "ga4", "--db", db, "--quarantine-dir", tmp_path,
              "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _money(db: str) -> tuple[Decimal, Decimal]:
    gross, refunds = fetch_rows(db, REVENUE)[0]
    return Decimal(gross or 0), Decimal(refunds or 0)


def test_transaction_ids_are_the_orders_and_a_repeat_counts_once(cli, db_url: str,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    doc = _load(cli, db_url, tmp_path, DAY1)
    # 7 lines, 9 item rows; the repeated T-9001 (line 3, two items) is quarantined
    assert (doc["rows_read"], doc["rows_loaded"], doc["rows_quarantined"]) == (9, 7, 2)
    assert fetch_rows(db_url, "SELECT order_id, user_id FROM orders ORDER BY 1") == DAY1_ORDERS
    assert fetch_rows(db_url, "SELECT DISTINCT line, field, reason FROM quarantine") == [
        (3, None, 'duplicate purchase of transaction "T-9001" (first at line 2)')]
    # 59 + 2 x 21 (T-9001 once) + 15 + 59 + 21; the refund is not a purchase repeat
    assert _money(db_url) == (Decimal("196"), Decimal("15"))
    assert fetch_rows(db_url, "SELECT count(*) FROM orders WHERE is_refund") == [(0,)]


def test_a_repeat_in_a_later_load_is_quarantined_a_reload_adds_nothing(  # type: ignore[no-untyped-def]
        cli, db_url: str, tmp_path: Path) -> None:
    _load(cli, db_url, tmp_path, DAY1)
    doc = _load(cli, db_url, tmp_path, DAY2)
    assert (doc["rows_read"], doc["rows_loaded"], doc["rows_quarantined"]) == (2, 1, 1)
    assert fetch_rows(db_url, "SELECT line, reason FROM quarantine WHERE load_id = 2") == [
        (1, 'duplicate purchase of transaction "T-9002": already an order of load 1')]
    assert [o for o, _ in fetch_rows(db_url, "SELECT order_id, user_id FROM orders ORDER BY 1")] \
        == sorted([o for o, _ in DAY1_ORDERS] + ["T-9003"])
    assert _money(db_url) == (Decimal("255"), Decimal("15"))
    # the same rows again: already present (not repeats), the repeat line quarantined again
    again = _load(cli, db_url, tmp_path, DAY1)
    assert (again["rows_loaded"], again["rows_already_present"],
            again["rows_quarantined"]) == (0, 7, 2)
    assert _money(db_url) == (Decimal("255"), Decimal("15"))
    assert fetch_rows(db_url, "SELECT count(*) FROM orders") == [(5,)]


def test_a_repeat_in_another_file_of_the_same_load(cli, db_url: str,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    doc = _load(cli, db_url, tmp_path, DAY1, DAY2)
    assert (doc["rows_read"], doc["rows_loaded"], doc["rows_quarantined"]) == (11, 8, 3)
    assert fetch_rows(db_url, "SELECT line, reason FROM quarantine WHERE line = 1") == [
        (1, f'duplicate purchase of transaction "T-9002" (first at line 4 of {DAY1})')]
    assert _money(db_url) == (Decimal("255"), Decimal("15"))
    assert fetch_rows(db_url, "SELECT count(*) FROM orders") == [(5,)]


def test_a_flattened_csv_export_through_map_options(cli, db_url: str,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    # a GA4 export flattened to CSV (one row per item), the transaction id a plain column
    csv = tmp_path / "ga4_flat.csv"
    csv.write_text(
        "event_timestamp,event_name,user_pseudo_id,ga_session_id,transaction_id,item_id,price\n"
        "1685952300000000,purchase,1001.1,1685952000,T-1,SKU-1,59.00\n"
        "1685952303000000,purchase,1001.1,1685952000,T-1,SKU-1,59.00\n"
        "1685953800000000,purchase,1001.1,1685952000,,SKU-9,15.00\n")
    res = cli("load", csv, "--format", "events", "--map", "user_id=user_pseudo_id",
              "--map", "event=event_name", "--map", "event_time=event_timestamp",
              "--map", "session_id=ga_session_id", "--map", "order_id=transaction_id",
              "--map", "product_id=item_id", "--map", "price=price", "--db", db_url,
              "--quarantine-dir", tmp_path, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows_quarantined"] == 1
    assert fetch_rows(db_url, "SELECT order_id FROM orders ORDER BY 1") == [
        ("1685952000@2023-06-05",), ("T-1",)]
    assert _money(db_url)[0] == Decimal("74")
    # --describe proposes the transaction id as the events' order_id
    proposal = cli("load", "--describe", csv)
    assert proposal.exit_code == 0, proposal.output
    assert "  order_id: transaction_id" in proposal.stdout
