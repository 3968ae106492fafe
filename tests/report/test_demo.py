"""``shoplens demo``: the whole chain through the CLI, and a failing stage that does not
take the others down."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from shoplens.demo import STAGES, DemoParams, Stage, run_demo
from shoplens.demo.stages import DemoState
from shoplens.report.model import SECTION_KEYS

from .browser import visit
from .helpers import PAGE_CHECK, pdf_pages


@pytest.mark.browser
def test_demo_runs_every_stage_through_the_cli(cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = cli("demo", "--out", out, "--users", "300", "--months", "3", "--seed", "5")
    assert result.exit_code == 0, result.output
    index = out / "report" / "index.html"
    assert result.stdout.strip().splitlines()[-1] == str(index.resolve())
    doc = json.loads((out / "report" / "results.json").read_text())
    stages = {s["name"]: s["status"] for s in doc["stages"]}
    assert stages == {k: "ok" for k in (
        "generate", "load", "metrics", "bench", "cohorts", "search", "index", "segment",
        "events", "clv", "alerts", "report")}, doc["stages"]
    for key in ("overview", "kpis", "benchmark", "cohorts", "funnel", "paths", "segments",
                "insights", "clv", "alerts"):
        assert doc[key]["available"], (key, doc[key]["reason"])
    assert doc["overview"]["users"] == 300
    assert all(r["rows_equal"] for r in doc["benchmark"]["rows"])
    assert sum(s["size"] for s in doc["segments"]["segments"]) == doc["segments"]["users"]
    assert len(pdf_pages(out / "report" / "summary.pdf", tmp_path)) == 1
    pngs = {p.name for p in (out / "report").glob("*.png")}
    assert {"active_users.png", "benchmark.png", "cohort_heatmap.png", "funnel.png",
            "segments.png"} <= pngs

    # the real report in a real browser: no errors, no network, every section there
    shot = Path(os.environ.get("SHOPLENS_SCREENSHOTS") or tmp_path) / "report-demo.png"
    visit_result = visit(index, expression=PAGE_CHECK, screenshot=shot)
    assert visit_result.console_errors == [] and visit_result.exceptions == []
    assert [u for u in visit_result.requests if not u.startswith(("file://", "data:"))] == []
    page = json.loads(visit_result.evaluated)
    assert [s["id"] for s in page["sections"]] == [*SECTION_KEYS, "stages"]
    assert not any(s["unavailable"] for s in page["sections"])
    assert page["plots"] == ["plot-active_users", "plot-cohort_heatmap", "plot-sankey"]
    assert page["brokenImages"] == 0 and page["plotsDrawn"] == len(page["plots"])


def test_a_failing_stage_says_which_and_why_and_the_rest_go_on(tmp_path: Path) -> None:
    def boom(state: DemoState) -> str:
        raise RuntimeError("rollup table is corrupt")

    by_key = {s.key: s for s in STAGES}
    stages = [
        by_key["generate"], by_key["load"],
        replace(by_key["metrics"], run=boom),
        by_key["cohorts"],                                  # independent: still runs
        Stage("after", "Needs metrics", lambda s: "ran", needs=("metrics",)),
    ]
    result = run_demo(DemoParams(out=tmp_path, users=120, months=2, seed=3), stages=stages)
    status = {s.name: (s.status, s.detail) for s in result.stages}
    assert status["generate"][0] == "ok" and status["load"][0] == "ok"
    assert status["metrics"] == ("failed", "RuntimeError: rollup table is corrupt")
    assert status["cohorts"][0] == "ok"
    assert status["after"] == ("skipped", "skipped: needs metrics (failed)")
    assert status["report"][0] == "ok"
    assert result.files is not None
    doc = json.loads(result.files.json.read_text())
    assert doc["kpis"]["available"] is False
    assert doc["kpis"]["reason"] == ("failed in demo stage 'metrics': "
                                     "RuntimeError: rollup table is corrupt")
    assert doc["cohorts"]["available"] is True  # computed before and despite the failure
    assert doc["overview"]["available"] is True  # the report stage still reads the data
    html = result.files.html.read_text()
    assert "Section unavailable: failed in demo stage &#39;metrics&#39;" in html
    assert "rollup table is corrupt" in (tmp_path / "demo-errors.log").read_text()
