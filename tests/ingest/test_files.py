"""File-level details real exports have: JSON lines with broken lines, Latin-1 text,
Windows line ends, semicolons, a byte-order mark."""

from __future__ import annotations

from pathlib import Path

from shoplens.engines import Engine
from shoplens.ingest import load

from .helpers import write_jsonl


def test_search_logs_jsonl_bad_lines(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "search_logs.jsonl", [
        {"user_id": "1", "search_query": "red shoes", "clicked_product_ids": ["11", "12"],
         "timestamp": "2024-01-02T09:59:00"},
        '{"user_id": "2", "search_query": "broken',
        {"user_id": "3", "search_query": "", "clicked_product_ids": [],
         "timestamp": "2024-01-02T10:00:00"},
        {"user_id": "4", "search_query": "tv", "clicked_product_ids": "12",
         "timestamp": "2024-01-02T10:00:00"},
        {"user_id": 5, "search_query": "O'Brien's \"best\", cheap", "clicked_product_ids": [7],
         "timestamp": "2024-01-02T10:01:00"},
    ])
    report = load(engine, [path])
    f = report.files[0]
    assert (f.layout, f.rows_read, f.rows_loaded, f.rows_quarantined) == (
        "platform-search", 5, 2, 3)
    assert engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line") == [
        (2, None, "not a JSON object"),
        (3, "search_query", "missing search query"),
        (4, "clicked_product_ids", "clicked_product_ids is not a list"),
    ]
    assert engine.scalar("SELECT raw FROM quarantine WHERE line = 2") == \
        '{"user_id": "2", "search_query": "broken'
    df = engine.fetch_df("SELECT user_id, search_query, clicked_product_ids FROM search_logs "
                         "ORDER BY ts")
    assert df["user_id"].tolist() == ["1", "5"]
    assert df["search_query"].tolist() == ["red shoes", "O'Brien's \"best\", cheap"]
    assert [list(x) for x in df["clicked_product_ids"]] == [["11", "12"], ["7"]]
    # users seen only in searches exist (no first_seen: searches are not events)
    assert engine.fetch_all("SELECT user_id, first_seen FROM users ORDER BY 1") == [
        ("1", None), ("5", None)]


def test_latin1_semicolons_crlf_bom(engine: Engine, tmp_path: Path) -> None:
    text = ("\ufeffInvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID;"
            "Country\r\n"
            "536365;85123A;CAFÉ CRÈME MUG £;6;12/1/2010 8:26;2,55;17850;United Kingdom\r\n"
            "536366;22633;HAND WARMER;6;12/1/2010 8:28;1.85;17850;Österreich\r\n"
            "\r\n")
    path = tmp_path / "retail_latin1.csv"
    path.write_bytes(text.replace("\ufeff", "").encode("latin-1"))  # no BOM in Latin-1
    report = load(engine, [path])
    f = report.files[0]
    assert (f.layout, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("online-retail", 2, 1, 1)
    assert engine.scalar("SELECT description FROM order_items") == "HAND WARMER"
    assert engine.fetch_all("SELECT line, field, reason FROM quarantine") == [
        (2, "UnitPrice", 'unparsable unit price "2,55"')]
    assert "CAFÉ CRÈME MUG £" in engine.scalar("SELECT raw FROM quarantine")
    assert engine.scalar("SELECT country FROM users") == "Österreich"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(text.replace("2,55", "2.55").encode("utf-8"))
    report = load(engine, [bom])
    assert report.files[0].rows_loaded == 1 and report.files[0].rows_already_present == 1
