"""A shop without an orders table (a clickstream, GA4, Segment) gets its orders derived from
its purchase events at load time: one per session and day with a purchase, the definition
the revenue metrics count. Every surface then counts the same orders: the overview, the
KPIs (and so results.json), the customers of customer value and RFM's frequency, on DuckDB
and PostgreSQL. An orders export keeps its own orders; a cancellation invoice is no order."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from shoplens.engines import Engine
from shoplens.ingest import load
from shoplens.ingest.mapping import preset
from shoplens.report.collectors import ReportContext, collect_section, new_report

from .helpers import write_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REES46 = FIXTURES / "rees46_sample.csv"
GA4 = FIXTURES / "mapped" / "ga4_bigquery_multi_item.jsonl"
ORDERS = "SELECT order_id, user_id, order_time, is_refund FROM orders ORDER BY order_id"


def _surfaces(engine: Engine, tmp_path: Path) -> dict[str, object]:
    """The order counts every surface reports."""
    from shoplens.clv.summary import data_bounds, fetch_summary
    from shoplens.segments.features import compute_features

    ctx = ReportContext(engine=engine, out=tmp_path / "report")
    report = new_report(engine)
    report.overview = collect_section("overview", ctx)
    report.kpis = collect_section("kpis", ctx)
    doc = json.loads(report.model_dump_json())  # what results.json holds
    kpi = next(k for k in doc["kpis"]["kpis"] if k["key"] == "orders")
    last = data_bounds(engine).last_day
    assert last is not None
    customers = fetch_summary(engine, calibration_end=last, observation_end=last)
    frequency = compute_features(engine).frame["frequency"]
    return {
        "overview": doc["overview"]["orders"],
        "kpi": (kpi["value"], kpi["unit"]),
        "clv_customers": sorted(customers["user_id"]),
        "rfm_frequency": {u: int(f) for u, f in frequency.items() if f > 0},
    }


def _order_users(engine: Engine) -> Counter[str]:
    return Counter(u for (u,) in engine.fetch_all(
        "SELECT user_id FROM orders WHERE NOT is_refund AND user_id IS NOT NULL"))


def _rees46_orders() -> set[tuple[str, str]]:
    """(session, day) of the sample's purchases, computed from the file itself."""
    with REES46.open(newline="") as fh:
        return {(r["user_session"], r["event_time"][:10]) for r in csv.DictReader(fh)
                if r["event_type"] == "purchase" and r["user_session"]}


def test_ga4_purchases_become_orders(engine: Engine, tmp_path: Path) -> None:
    load(engine, [GA4], mapping=preset("ga4"), quarantine_dir=tmp_path)
    # two purchases (T-2001 of four items, T-2002 of one), ordered under their GA4
    # transaction ids (tests/ingest/test_transactions.py); the refund is no order
    assert engine.fetch_all(ORDERS) == [
        ("T-2001", "cust-21", datetime(2023, 6, 2, 10, 1, 30), False),
        ("T-2002", "8888.2", datetime(2023, 6, 2, 10, 6, 40), False),
    ]
    s = _surfaces(engine, tmp_path)
    assert s["overview"] == 2
    assert s["kpi"] == (2, "orders")
    assert s["clv_customers"] == ["8888.2", "cust-21"]
    assert s["rfm_frequency"] == {"8888.2": 1, "cust-21": 1}


def test_clickstream_orders_agree_on_every_surface(engine: Engine, tmp_path: Path) -> None:
    rep = load(engine, [REES46], quarantine_dir=tmp_path)
    assert rep.rows_quarantined == 0
    expected = _rees46_orders()
    assert len(expected) == 9  # ten purchases, two in one session
    got = engine.fetch_all("SELECT order_id, is_refund FROM orders")
    assert sorted(o for o, _ in got) == sorted(f"{s}@{d}" for s, d in expected)
    assert not any(r for _, r in got)
    s = _surfaces(engine, tmp_path)
    assert s["overview"] == len(expected)
    assert s["kpi"] == (len(expected), "orders")
    users = _order_users(engine)
    assert s["clv_customers"] == sorted(users)
    assert s["rfm_frequency"] == dict(users)


def test_reloads_and_parts_derive_the_same_orders(engine: Engine, tmp_path: Path) -> None:
    lines = REES46.read_text().splitlines(keepends=True)
    half = len(lines) // 2
    first = tmp_path / "first.csv"
    first.write_text("".join(lines[:half]))
    second = tmp_path / "second.csv"
    second.write_text(lines[0] + "".join(lines[half:]))
    load(engine, [first], quarantine_dir=tmp_path)
    before = engine.scalar("SELECT count(*) FROM orders")
    load(engine, [second], quarantine_dir=tmp_path)
    load(engine, [REES46], quarantine_dir=tmp_path)  # nothing new
    assert before < len(_rees46_orders())
    assert sorted(o for (o,) in engine.fetch_all("SELECT order_id FROM orders")) == \
        sorted(f"{s}@{d}" for s, d in _rees46_orders())


@pytest.mark.parametrize("guests", [False, True])
def test_an_orders_export_counts_its_purchase_orders(engine: Engine, tmp_path: Path,
                                                     guests: bool) -> None:
    # UCI Online Retail: two invoices of one customer on one day, a cancellation (no
    # order: it buys nothing), a customer with two days, and a guest's invoice
    rows = [
        ("536365", "85123A", "HEART", 6, "12/1/2010 8:26", "2.55", "17850", "United Kingdom"),
        ("536365", "71053", "LANTERN", 6, "12/1/2010 8:26", "3.39", "17850", "United Kingdom"),
        ("536366", "22633", "MUG", 6, "12/1/2010 8:28", "1.85", "17850", "United Kingdom"),
        ("C536379", "22633", "MUG", -1, "12/1/2010 9:41", "1.85", "17850", "United Kingdom"),
        ("536370", "22728", "CLOCK", 24, "12/1/2010 8:45", "3.75", "12583", "France"),
        ("536371", "22086", "PAPER CHAIN", 1, "12/2/2010 10:00", "0", "12583", "France"),
        ("536372", "22086", "PAPER CHAIN", 2, "12/2/2010 11:00", "1.00", "", "France"),
    ]
    path = write_csv(tmp_path / "retail.csv", ["InvoiceNo", "StockCode", "Description",
                                               "Quantity", "InvoiceDate", "UnitPrice",
                                               "CustomerID", "Country"], rows)
    load(engine, [path], guest_orders=guests, quarantine_dir=tmp_path)
    # the export's own orders, no derived ones
    assert [o for o, *_ in engine.fetch_all(ORDERS)] == \
        ["536365", "536366", "536370", "536371", *(["536372"] if guests else []), "C536379"]
    s = _surfaces(engine, tmp_path)
    # a guest's invoice has no purchase events, which belong to users: the metrics cannot
    # count it, and the overview counts what they count
    assert s["overview"] == 4
    assert s["kpi"] == (4, "orders")
    assert s["clv_customers"] == ["12583", "17850"]
    # RFM's purchase occasions are the orders (distinct sessions = invoices)
    assert s["rfm_frequency"] == {"12583": 2, "17850": 2}
    assert engine.scalar("SELECT min(order_time) FROM orders") == datetime(2010, 12, 1, 8, 26)
    assert date(2010, 12, 2) == engine.scalar(
        "SELECT CAST(max(order_time) AS DATE) FROM orders WHERE NOT is_refund")
