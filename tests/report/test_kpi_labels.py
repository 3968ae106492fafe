"""KPIs say what they measure: the orders unit, the user funnel's definition beside the
plain share of buyers, named rows for products without brand or category."""

from __future__ import annotations

from pathlib import Path

from shoplens.engines import Engine
from shoplens.report.collectors import ReportContext, collect_section

from .data import load_tiny_shop


def test_kpis_say_what_they_measure(engine: Engine, tmp_path: Path) -> None:
    load_tiny_shop(engine)
    section = collect_section("kpis", ReportContext(engine=engine, out=tmp_path))
    assert section.available, section.reason
    kpis = {k.key: k for k in section.kpis}
    assert kpis["orders"].unit == "orders"
    funnel = kpis["user_conversion"]
    assert funnel.label == "User funnel conversion (24 h)"
    assert funnel.note == "users whose first view is in the range and who bought within 24 h of it"
    # beside it, the plain share: u1 and u4 of the five active users bought
    buyers = kpis["buyer_share"]
    assert (buyers.value, buyers.unit) == (0.4, "%")
    assert buyers.note == "2 of 5 active users bought in the range"
    # p2 (no brand) is a sold product: its revenue is never under an empty name
    assert all(r["category"] for r in section.revenue_by_category)


def test_metrics_text_names_the_funnel_population(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from shoplens.engines import connect

    db = f"duckdb:{tmp_path / 'k.duckdb'}"
    eng = connect(db)
    try:
        load_tiny_shop(eng)
    finally:
        eng.close()
    res = cli("metrics", "--db", db)
    assert res.exit_code == 0, res.output
    assert "viewed" not in res.stdout
    assert "entered" in res.stdout and "first view in the range" in res.stdout.replace("\n", " ")
    assert "(no brand)" in res.stdout
