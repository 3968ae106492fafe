"""The report's data part on both engines: exact numbers from a hand-made shop."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.engines import Engine
from shoplens.report import ReportParams, build_report
from shoplens.report.collectors import ReportContext, collect_section

from .data import load_tiny_shop
from .helpers import pdf_pages


def test_overview_counts_are_exact(engine: Engine, tmp_path: Path) -> None:
    expected = load_tiny_shop(engine)
    section = collect_section("overview", ReportContext(engine=engine, out=tmp_path))
    assert section.available, section.reason
    assert section.users == expected["users"]
    assert section.products == expected["products"]
    assert section.events == expected["events"]
    assert section.sessions == expected["sessions"]
    assert section.event_types["view"] == expected["views"]
    assert section.event_types["purchase"] == expected["purchases"]
    assert section.first_event.isoformat() == "2024-01-01T09:00:00"
    assert section.days == 32  # 2024-01-01 .. 2024-02-01 inclusive


def test_empty_database_gives_a_report_that_says_so(engine: Engine, tmp_path: Path) -> None:
    report, files = build_report(engine, ReportParams(out=tmp_path, interactive=False))
    assert not report.overview.available
    assert report.overview.reason.startswith("no data")
    assert files.html.exists()
    assert len(pdf_pages(files.pdf, tmp_path)) == 1


def test_report_on_a_loaded_database(engine: Engine, tmp_path: Path) -> None:
    expected = load_tiny_shop(engine)
    report, files = build_report(engine, ReportParams(out=tmp_path, interactive=False))
    doc = json.loads(files.json.read_text())
    assert doc["engine"] == engine.name
    assert doc["overview"]["events"] == expected["events"]
    for key in ("kpis", "benchmark", "cohorts", "funnel", "paths", "segments", "insights"):
        section = doc[key]
        # either real numbers or a reason; a section is never silently empty
        assert section["available"] or section["reason"], key
        if not section["available"]:
            assert section["reason"].startswith(("not available yet", "failed", "no data")), \
                section["reason"]
    assert len(pdf_pages(files.pdf, tmp_path)) == 1
    assert report.generated_at is not None


def test_a_failing_llm_hides_only_the_insights(engine: Engine, tmp_path: Path,
                                               monkeypatch) -> None:
    import shoplens.events.insights as insights

    calls = []

    def down(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("model endpoint down")

    monkeypatch.setattr(insights, "analyze", down)
    load_tiny_shop(engine)
    ctx = ReportContext(engine=engine, out=tmp_path)
    paths = collect_section("paths", ctx)
    found = collect_section("insights", ctx)
    assert not found.available
    assert found.reason == "failed: RuntimeError: model endpoint down"
    assert calls == [1]  # the failed analysis is not run twice
    assert paths.available, paths.reason  # patterns need no language model
    assert sum(p.count for p in paths.paths) > 0


def test_report_command(cli, tmp_path: Path) -> None:
    from shoplens.engines import connect

    url = f"duckdb:{tmp_path / 'shop.duckdb'}"
    with connect(url) as engine:
        expected = load_tiny_shop(engine)
    out = tmp_path / "report"
    result = cli("report", "--out", out, "--db", url, "--static", "--skip",
                 "benchmark,segments")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str((out / "index.html").resolve())
    doc = json.loads((out / "results.json").read_text())
    assert doc["overview"]["events"] == expected["events"]
    assert doc["segments"]["reason"] == "not collected: skipped with --skip"
    assert "segments: not collected: skipped with --skip" in result.stderr
    assert (out / "summary.pdf").exists()

    bad = cli("report", "--out", out, "--db", url, "--skip", "segmentz")
    assert bad.exit_code == 2
    assert "unknown section(s) segmentz" in bad.stderr
