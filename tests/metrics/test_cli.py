"""``shoplens metrics`` and ``shoplens bench`` through the command line, on both engines."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.engines import connect

from .shop import load_shop


def test_metrics_json(db_url: str, cli) -> None:
    with connect(db_url) as engine:
        load_shop(engine)
    res = cli("metrics", "--json", "--db", db_url, "--from", "2024-12-30", "--to", "2025-01-05",
              "--grain", "week", "--window-hours", "72")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    for key in ("dau", "wau", "mau", "rolling_active", "stickiness", "revenue_by_category",
                "aov", "top_products", "top_categories", "top_brands", "funnel"):
        assert key in doc, key
    assert doc["wau"] == [{"week": "2024-12-30", "users": 3}]
    assert doc["revenue_by_category"][0] == {
        "period": "2024-12-30", "category": "apparel.shoes", "revenue": 34.99, "units": 2,
        "refunded_units": 0}
    assert doc["funnel"][0]["carted"] == 2  # s3 converts within 72 h
    naive = json.loads(cli("metrics", "--json", "--naive", "--db", db_url, "--from",
                           "2024-12-30", "--to", "2025-01-05", "--grain", "week",
                           "--window-hours", "72").stdout)
    assert {**naive, "form": None} == {**doc, "form": None}


def test_metrics_human_tables(db_url: str, cli) -> None:
    with connect(db_url) as engine:
        load_shop(engine)
    res = cli("metrics", "--db", db_url)
    assert res.exit_code == 0, res.output
    for title in ("Weekly active users", "Net revenue per day", "Top brands", "Funnel"):
        assert title in res.stdout
    assert "58.82" in res.stdout  # AOV


def test_metrics_bad_options(cli, tmp_path: Path) -> None:
    db = f"duckdb:{tmp_path / 'x.duckdb'}"
    res = cli("metrics", "--db", db, "--from", "2025-02-30")
    assert res.exit_code == 2 and "--from" in res.stderr and "2025-02-30" in res.stderr
    res = cli("metrics", "--db", db, "--from", "2025-02-03", "--to", "2025-02-01")
    assert res.exit_code == 2 and "after" in res.stderr
    res = cli("metrics", "--db", db, "--grain", "year")
    assert res.exit_code == 2 and "grain" in res.stderr


def test_bench_json_and_plans(db_url: str, cli, tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    res = cli("bench", "--events", "3000", "--repeat", "2", "--json", "--plans", plans,
              "--days", "20", "--metric", "wau", "--metric", "aov", "--db", db_url)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["metric"] for r in rows] == ["wau", "aov"]
    assert all(r["rows_equal"] for r in rows)
    assert {"metric", "engine", "naive_ms", "optimized_ms", "speedup", "rows_equal"} <= set(rows[0])
    engine_name = rows[0]["engine"]
    plan = (plans / engine_name / "wau.naive.txt").read_text()
    assert "EXPLAIN ANALYZE" in plan or "EXPLAIN (ANALYZE, BUFFERS)" in plan
    assert (plans / engine_name / "aov.optimized.txt").exists()
    # the generated schema is dropped afterwards: the database itself stays empty
    with connect(db_url) as engine:
        assert engine.scalar("SELECT COUNT(*) FROM events") == 0


def test_bench_unknown_metric(cli, tmp_path: Path) -> None:
    res = cli("bench", "--metric", "nope", "--db", f"duckdb:{tmp_path / 'x.duckdb'}")
    assert res.exit_code == 2 and "nope" in res.stderr
