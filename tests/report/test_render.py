"""Rendering: the four outputs hold the model's numbers, censored cells stay blank, one page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shoplens.report import ReportData, write_report
from shoplens.report.model import KpiSection, SegmentSection

from .helpers import pdf_pages
from .sample import sample_report


def test_every_output_is_written_from_the_same_numbers(tmp_path: Path) -> None:
    report = sample_report()
    files = write_report(report, tmp_path, interactive=False)
    assert files.html.exists() and files.pdf.exists() and files.json.exists()
    names = sorted(p.name for p in files.pngs)
    assert names == sorted(["active_users.png", "revenue.png", "revenue_by_category.png",
                            "benchmark.png", "cohort_heatmap.png", "cohort_curves.png",
                            "funnel.png", "paths.png", "segments.png", "rfm.png",
                            "revenue_by_country.png", "revenue_by_channel.png",
                            "retention_by_channel.png", "lifecycle.png", "stickiness.png"])
    for png in files.pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5_000, f"{png.name} looks empty"

    doc = json.loads(files.json.read_text())
    again = ReportData.model_validate(doc)
    assert again.cohorts.cohorts[1].values == [1.0, 0.40, 0.0, 0.24, None]
    assert doc["benchmark"]["rows"][0]["speedup"] == 30.0
    # every chart has a reading, and the reading is in results.json too
    for key in ("kpis", "benchmark", "cohorts", "growth", "funnel", "paths", "segments"):
        section = doc[key]
        assert set(section["charts"]) <= set(section["readings"]), key


def test_censored_cells_are_blank_and_a_real_zero_is_shown(tmp_path: Path) -> None:
    files = write_report(sample_report(), tmp_path, interactive=False)
    html = files.html.read_text()
    censored = re.findall(r'<td class="censored"></td>', html)
    assert len(censored) == 4  # the Nones of the sample matrix, nothing else
    assert "<td>0.0%</td>" in html  # the February cohort's real 0 at W2


def test_an_unavailable_section_says_why_everywhere(tmp_path: Path) -> None:
    report = sample_report()
    report.kpis = KpiSection.unavailable("not available yet: shoplens.metrics has no compute")
    report.segments = SegmentSection.unavailable("failed: SearchUnavailableError: down")
    files = write_report(report, tmp_path, interactive=False)
    html = files.html.read_text()
    assert "Section unavailable: not available yet: shoplens.metrics has no compute" in html
    assert "Section unavailable: failed: SearchUnavailableError: down" in html
    assert not (tmp_path / "active_users.png").exists()
    doc = json.loads(files.json.read_text())
    assert doc["kpis"] == {**doc["kpis"], "available": False,
                           "reason": "not available yet: shoplens.metrics has no compute"}
    assert len(pdf_pages(files.pdf, tmp_path)) == 1


def test_the_pdf_is_exactly_one_page(tmp_path: Path) -> None:
    files = write_report(sample_report(), tmp_path, interactive=False)
    pages = pdf_pages(files.pdf, tmp_path)
    assert [p.name for p in pages] == ["page-1.png"]


def test_html_needs_no_network(tmp_path: Path) -> None:
    files = write_report(sample_report(), tmp_path, interactive=True)
    html = files.html.read_text()
    assert html.count("plotly.js v") <= 2  # the bundle's banner, inlined once
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    assert "cdn." not in html.split("<script>")[0]  # no CDN link or font in the head
