"""The report's customer-value section, collected from a real database (the CDNOW sample):
parameters, holdout plot and table, P(alive) matrix, the at-risk list, results.json."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.engines import connect
from shoplens.report import write_report
from shoplens.report.collectors import ReportContext, collect_section, new_report
from tests.clv.data import load_cdnow


def test_report_section(tmp_path: Path) -> None:
    with connect(f"duckdb:{tmp_path / 'shop.duckdb'}") as engine:
        load_cdnow(engine)
        report = new_report(engine)
        ctx = ReportContext(engine=engine, out=tmp_path / "report")
        report.clv = collect_section("clv", ctx)
        assert engine.scalar("SELECT COUNT(*) FROM customer_value") == 2357
    section = report.clv
    assert section.available, section.reason
    assert section.model == "BG/NBD" and section.totals["customers"] == 2357
    assert {p["name"] for p in section.params} == {"r", "alpha", "a", "b", "p", "q", "v"}
    v = section.validation
    assert v is not None and v["holdout_end"] == "1998-06-30" and v["holdout_days"] == 90
    assert sum(b["customers"] for b in v["buckets"]) == v["metrics"]["customers"]
    assert len(section.at_risk) == 15 and all(a["p_alive"] < 0.5 for a in section.at_risk)
    assert set(section.charts) == {"clv_holdout", "clv_p_alive"}
    assert set(section.readings) == {"clv_holdout", "clv_p_alive"}
    assert "repeat purchase days in the 90-day holdout" in section.readings["clv_holdout"]

    files = write_report(report, tmp_path / "report", interactive=False)
    html = files.html.read_text()
    assert 'id="clv"' in html and "valuable customer at risk" in html
    assert section.at_risk[0]["user_id"] in html
    for name in section.charts.values():
        assert (tmp_path / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'href="{name}"' in html
    doc = json.loads(files.json.read_text())
    assert doc["clv"]["totals"]["customers"] == 2357
    assert doc["clv"]["p_alive_matrix"]["values"][0][0] == 1.0


def test_report_section_on_an_empty_database(tmp_path: Path) -> None:
    with connect(f"duckdb:{tmp_path / 'empty.duckdb'}") as engine:
        section = collect_section("clv", ReportContext(engine=engine, out=tmp_path))
    assert not section.available
    assert section.reason == ("no data: the database has no purchase events: load orders or "
                              "purchase events first")
