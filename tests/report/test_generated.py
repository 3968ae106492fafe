"""The report on a small generated shop, loaded by the importer, on both engines.

The numbers the report derives itself (mean DAU over every day, mean WAU/MAU over full
periods, monthly revenue) are checked against an independent pandas computation on the
raw events; the numbers it copies (cohort cells, funnel) against the capability's API.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from shoplens.cohorts import CohortParams, compute_cohorts
from shoplens.engines import Engine
from shoplens.generate import GenerateParams, generate
from shoplens.ingest import load
from shoplens.insights.paths import run_paths
from shoplens.insights.paths.sankey import ENDED, flows
from shoplens.insights.schema import PathsQuery
from shoplens.report import ReportParams, build_report
from shoplens.report.collectors.paths import SANKEY_STEPS

from .helpers import pdf_pages

KEYS = ("overview", "kpis", "benchmark", "cohorts", "funnel", "paths", "insights")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shop")
    generate(GenerateParams(users=150, months=2, seed=11), out)
    return out


def _events(engine: Engine) -> pd.DataFrame:
    df = engine.fetch_df(
        "SELECT e.user_id, e.event_type, e.event_time, e.quantity, "
        "COALESCE(e.price, p.price) AS price FROM events e "
        "LEFT JOIN products p ON p.product_id = e.product_id")
    df["day"] = pd.to_datetime(df["event_time"]).dt.normalize()
    return df


def test_report_numbers_on_generated_data(engine: Engine, shop: Path, tmp_path: Path) -> None:
    load(engine, [shop])
    report, files = build_report(engine, ReportParams(out=tmp_path, interactive=False,
                                                      bench_repeat=1), keys=KEYS)
    for key in KEYS:
        assert report.section(key).available, (key, report.section(key).reason)
    ev = _events(engine)
    first, last = ev["day"].min(), ev["day"].max()
    days = (last - first).days + 1
    kpi = {k.key: k.value for k in report.kpis.kpis}

    # DAU: every day of the range counts, days without events as 0
    dau = ev.groupby("day")["user_id"].nunique()
    assert kpi["dau"] == pytest.approx(dau.sum() / days)
    assert len(report.kpis.series["dau"]) == days

    # WAU: Monday weeks wholly inside the range
    ev["week"] = ev["day"] - pd.to_timedelta(ev["day"].dt.day_of_week, unit="D")
    wau = ev.groupby("week")["user_id"].nunique()
    full = [w for w in wau.index if w >= first and w + timedelta(days=6) <= last]
    assert kpi["wau"] == pytest.approx(wau[full].mean())
    assert [p.x for p in report.kpis.series["wau"]] == [w.date() for w in full]

    # revenue: purchases at the event's price or the list price, minus refunds
    sign = ev["event_type"].map({"purchase": 1, "refund": -1}).fillna(0)
    revenue = float((sign * ev["price"].astype(float) * ev["quantity"]).sum())
    assert kpi["revenue"] == pytest.approx(revenue, rel=1e-9)
    monthly = sum(p.y for p in report.kpis.series["revenue_month"])
    assert monthly == pytest.approx(revenue, rel=1e-9)

    # cohorts are the capability's matrix, censored cells still None
    expected = compute_cohorts(engine, CohortParams())
    got = {r.cohort: r.values for r in report.cohorts.cohorts}
    for row in expected.rows:
        if row.size:
            assert got[row.label] == row.values
    assert any(v is None for r in report.cohorts.cohorts for v in r.values)
    for name in report.cohorts.charts.values():
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"

    # path shares are over every session of the event analysis, so they add up to at most 1
    paths = report.paths
    assert paths.total_sessions and sum(p.count for p in paths.paths) <= paths.total_sessions
    assert sum(p.share for p in paths.paths) <= 1 + 1e-9
    # the sankey: the paths insight's links (top events per step), drawn and embedded
    expected = flows(run_paths(engine, PathsQuery(steps=SANKEY_STEPS, top_n=10)).payload)
    assert paths.sankey == expected and expected
    assert any(lk["target"] == ENDED for lk in expected)  # sessions ending at a step
    assert (tmp_path / paths.charts["sankey"]).is_file()
    assert 'id="chart-sankey"' in files.html.read_text(encoding="utf-8")

    doc = json.loads(files.json.read_text())
    assert doc["overview"]["events"] == len(ev)
    assert doc["funnel"]["steps"][0]["count"] >= doc["funnel"]["steps"][-1]["count"]
    assert doc["insights"]["provider"] == "offline" and doc["insights"]["insights"]
    assert all(r["rows_equal"] for r in doc["benchmark"]["rows"])
    assert len(pdf_pages(files.pdf, tmp_path)) == 1
