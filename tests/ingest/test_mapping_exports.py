"""Exports as a new user brings them, checked end to end: a headerless tab-separated
transactions file with Unix-epoch dates, a refund written as a negative amount, a free
line and a line without a customer (tests/fixtures/mapped/transactions_epoch.tsv)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from shoplens.engines import connect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapped"


def test_describe_takes_an_epoch_column_for_the_time_and_the_proposal_loads(
        cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = FIXTURES / "transactions_epoch.tsv"
    res = cli("load", "--describe", file)
    assert res.exit_code == 0, res.output
    assert "delimiter 'tab', no header row" in res.stderr
    assert "  order_time: column2" in res.stdout and "  amount: column4" in res.stdout
    proposal = tmp_path / "proposal.yml"
    proposal.write_text(res.stdout)
    db = f"duckdb:{tmp_path / 'epoch.duckdb'}"
    loaded = cli("load", file, "--mapping", proposal, "--db", db, "--json")
    assert loaded.exit_code == 0, loaded.output
    doc = json.loads(loaded.stdout)
    assert (doc["rows_read"], doc["rows_loaded"], doc["rows_quarantined"]) == (4, 3, 1)
    eng = connect(db)
    try:
        rows = sorted((str(t), u, q, Decimal(p), r) for u, t, q, p, r in eng.fetch_all(
            "SELECT o.user_id, o.order_time, i.quantity, i.unit_price, i.is_refund "
            "FROM order_items i JOIN orders o USING (order_id)"))
        assert rows == [
            ("2023-01-01 00:00:00", "C1", 2, Decimal("9.95"), False),
            ("2023-01-02 00:00:00", "C2", 1, Decimal("0"), False),  # free: kept, revenue 0
            ("2023-02-01 00:00:00", "C1", 3, Decimal("3.3167"), True),  # -9.95 over 3 units
        ]
        assert eng.fetch_all("SELECT line, field FROM quarantine") == [(4, "column1")]
    finally:
        eng.close()


def test_repeated_lines_of_a_file_without_order_ids_are_purchases(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """CDNOW-style files hold the same customer, day, quantity and amount twice when a
    customer bought twice: without order ids both are purchases (and a re-load adds none)."""
    from shoplens.ingest import load
    from shoplens.ingest.mapping import preset

    file = tmp_path / "tx.txt"
    file.write_text(" 00001 19970101  1   11.77\n 00001 19970101  1   11.77\n"
                    " 00002 19970102  2   20.00\n")
    rep = load(engine, [file], mapping=preset("transactions"), quarantine_dir=tmp_path)
    assert (rep.rows_read, rep.rows_loaded, rep.rows_quarantined) == (3, 3, 0)
    assert any("1 line(s) repeat an earlier line exactly (first: line 2)" in w
               for w in rep.warnings)
    spent = engine.fetch_all("SELECT o.user_id, sum(i.quantity * i.unit_price) FROM order_items i "
                             "JOIN orders o USING (order_id) GROUP BY 1 ORDER BY 1")
    assert [(u, Decimal(v)) for u, v in spent] == [("00001", Decimal("23.54")),
                                                   ("00002", Decimal("20"))]  # 20.00 is the line total
    again = load(engine, [file], mapping=preset("transactions"), quarantine_dir=tmp_path)
    assert (again.rows_loaded, again.rows_already_present) == (0, 3)
