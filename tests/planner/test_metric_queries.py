"""The fixed metrics as insight queries: the planner answers them from the rollups and
gives the metrics' numbers."""

from __future__ import annotations

from collections import defaultdict

from shoplens.engines import Engine
from shoplens.insights.runner import run
from shoplens.metrics import MetricsParams, compute_metrics
from shoplens.metrics.queries import metric_query


def test_metrics_as_queries(planner_engine: Engine) -> None:
    m = compute_metrics(planner_engine, MetricsParams(grain="week"))
    for name, key, rows in (("dau", "day", m.dau), ("wau", "week", m.wau),
                            ("mau", "month", m.mau)):
        r = run(planner_engine, metric_query(name))
        assert r.source == "rollups", name
        got = {p["date"]: p["value"] for p in r.payload["series"][0]["points"] if p["value"]}
        assert got == {getattr(x, key).isoformat(): x.users for x in rows}, name
    r = run(planner_engine, metric_query("revenue_by_category", grain="week"))
    assert r.source == "rollups"
    got = {(p["date"], s["breakdown_value"] or "(no category)"): round(p["value"], 4)
           for s in r.payload["series"] for p in s["points"] if p["value"]}
    want = {(x.period.isoformat(), x.category): round(float(x.revenue), 4)
            for x in m.revenue_by_category if x.revenue}
    assert got == want
    r = run(planner_engine, metric_query("top_brands"))
    assert r.source == "rollups"
    totals: dict = defaultdict(float)
    for s in r.payload["series"]:
        totals[s["breakdown_value"] or "(no brand)"] += s["total"] or 0
    top = sorted(totals.items(), key=lambda kv: -kv[1])[:3]
    assert [(k, round(v, 4)) for k, v in top] == [
        (b.brand, round(float(b.revenue), 4)) for b in m.top_brands[:3]]
