"""In an 80-column terminal no table cuts a value to ``20…``: columns wrap, and a table
whose words cannot fit side by side is pivoted into one block per row."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from shoplens.cli.common import fit_table
from shoplens.engines import connect

from .shop import load_shop

NARROW = {"COLUMNS": "80"}


def test_metrics_tables_keep_every_value_whole(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"duckdb:{tmp_path / 'w.duckdb'}"
    eng = connect(db)
    try:
        load_shop(eng)
    finally:
        eng.close()
    res = cli("metrics", "--db", db, env=NARROW)
    assert res.exit_code == 0, res.output
    assert "…" not in res.output
    assert "2024-12-28" in res.stdout and "abandonment" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


def test_a_table_too_wide_is_pivoted() -> None:
    table = Table("segment", "users", "traits")
    table.add_row("occasional_browsers_high_tenure_days_3", "59",
                  "high_share_weekend, low_frequency, low_active_days, high_recency_days")
    console = Console(width=40, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(fit_table(table, 40))
    text = console.export_text()
    assert "…" not in text
    assert "occasional_browsers_high_tenure_days_3" in text.replace("\n", "").replace("│", "") \
        .replace(" ", "")
    assert max(len(line) for line in text.splitlines()) <= 40
