"""The benchmark's Python API on data already loaded: every pair equal, costs measured."""

from __future__ import annotations

from pathlib import Path

from shoplens.engines import Engine
from shoplens.metrics.bench import BREAKDOWN_QUERIES, BenchParams, run_bench
from shoplens.metrics.queries import METRIC_QUERY_NAMES
from shoplens.metrics.synthetic import write_shop


def test_run_bench_on_loaded_data(engine: Engine, tmp_path: Path) -> None:
    write_shop(engine, 5_000, days=35, seed=3)
    before = engine.scalar("SELECT COUNT(*) FROM events")
    report = run_bench(engine, BenchParams(repeat=1, plans=tmp_path, read_seconds=0.1))
    assert [r.metric for r in report.rows] == list(METRIC_QUERY_NAMES) + list(BREAKDOWN_QUERIES)
    assert all(r.rows_equal for r in report.rows), [r.metric for r in report.rows
                                                    if not r.rows_equal]
    assert all(r.naive_ms > 0 and r.optimized_ms > 0 for r in report.rows)
    # at least `repeat` timed reads of each form, more while they took under 0.1 s: the
    # optimized reads of a small shop take milliseconds
    assert all(r.naive_reads >= 1 and r.optimized_reads >= 1 for r in report.rows)
    assert sum(r.optimized_reads for r in report.rows) > 2 * len(report.rows)
    assert report.read_seconds == 0.1
    assert report.events == before
    cost = report.cost
    assert cost.rollups_ms > 0 and cost.rollup_rows > 0
    assert cost.refresh_one_day_ms is not None and cost.one_day_events > 0
    # the one-day refresh was rolled back
    assert engine.scalar("SELECT COUNT(*) FROM events") == before
    assert len(list((tmp_path / engine.name).glob("*.txt"))) == 2 * len(report.rows)
    # the breakdown queries were answered from the rollups
    assert next(r for r in report.rows if r.metric == "wau_by_country").rows > 0
