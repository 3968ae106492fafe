"""The page in a real browser: headless Chromium over the DevTools protocol.

Checks there are no console errors, no uncaught exceptions and no request other than
the page's own file (and the data: URIs of its embedded PNGs), that every section
rendered, and saves a full-page screenshot next to the report.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from shoplens.report import write_report
from shoplens.report.model import SECTION_KEYS, InsightSection

from .browser import CHROMIUM, visit
from .helpers import PAGE_CHECK
from .sample import sample_report

pytestmark = pytest.mark.browser

#: where screenshots are kept for a person to look at (default: the test's tmp folder)
SHOTS = os.environ.get("SHOPLENS_SCREENSHOTS")


def _require_chromium() -> None:
    if not (shutil.which("chromium") or Path(CHROMIUM).exists()):
        pytest.fail("chromium is not installed; scripts/test.sh installs it")


def _check_page(index: Path, shot: Path) -> dict:
    _require_chromium()
    result = visit(index, expression=PAGE_CHECK, screenshot=shot)
    assert result.console_errors == []
    assert result.exceptions == []
    foreign = [u for u in result.requests if not u.startswith(("file://", "data:"))]
    assert foreign == [], f"the page made network requests: {foreign}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return json.loads(result.evaluated)


def test_every_section_renders_without_errors_or_network(tmp_path: Path) -> None:
    files = write_report(sample_report(), tmp_path, interactive=True)
    shot = Path(SHOTS or tmp_path) / "report-sample.png"
    page = _check_page(files.html, shot)
    assert [s["id"] for s in page["sections"]] == list(SECTION_KEYS)
    for s in page["sections"]:
        assert not s["unavailable"], s["id"]
        assert s["text"] > 40, f"section {s['id']} is nearly empty"
    assert page["brokenImages"] == 0
    assert page["plots"] == ["plot-active_users", "plot-cohort_heatmap"]
    assert page["plotsDrawn"] == 2  # plotly.js ran from the inlined copy
    assert page["censoredCells"] == 4 and page["censoredText"] == ""


def test_unavailable_sections_render_their_reason(tmp_path: Path) -> None:
    report = sample_report()
    report.insights = InsightSection.unavailable("failed: TimeoutError: the model did not answer")
    files = write_report(report, tmp_path, interactive=False)
    page = _check_page(files.html, tmp_path / "shot.png")
    by_id = {s["id"]: s for s in page["sections"]}
    assert by_id["insights"]["unavailable"]
    assert not by_id["kpis"]["unavailable"]
    assert page["plots"] == []


def test_the_check_sees_requests_errors_and_exceptions(tmp_path: Path) -> None:
    """The browser check itself can fail: a page that calls out and logs errors is caught."""
    _require_chromium()
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom"); undefined_function();</script>'
                    "</body></html>", encoding="utf-8")
    result = visit(page, expression="1 + 1")
    assert result.evaluated == 2
    assert "http://127.0.0.1:9/x.png" in result.requests
    assert any("boom" in e for e in result.console_errors)
    assert any("undefined_function" in e for e in result.exceptions)
