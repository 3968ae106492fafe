"""Naive vs optimized queries, timed by :mod:`shoplens.metrics.bench` on the loaded data."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext, require
from shoplens.report.format import ms
from shoplens.report.model import BenchmarkSection, BenchRow


def collect(ctx: ReportContext) -> BenchmarkSection:
    if "benchmark" not in ctx.cache:
        bench = require("shoplens.metrics.bench", "run_bench", "BenchParams")
        ctx.cache["benchmark"] = bench.run_bench(ctx.engine, bench.BenchParams(
            repeat=ctx.bench_repeat, plans=ctx.out / "plans", seed=ctx.seed))
    report = ctx.cache["benchmark"]
    rows = [BenchRow(metric=r.metric, engine=r.engine, naive_ms=r.naive_ms,
                     optimized_ms=r.optimized_ms, speedup=r.speedup, rows_equal=r.rows_equal,
                     naive_p95_ms=r.naive_p95_ms, optimized_p95_ms=r.optimized_p95_ms)
            for r in report.rows]
    cost = report.cost
    notes = [f"The optimization costs {ms(cost.rollups_ms)} to build the rollups "
             f"({cost.rollup_rows:,} rows"
             + (f", {cost.rollups_bytes / 1e6:.1f} MB" if cost.rollups_bytes else "") + ")"
             + (f" and {ms(cost.refresh_one_day_ms)} to refresh one new day "
                f"({cost.one_day_events:,} events) incrementally" if cost.refresh_one_day_ms
                is not None else "") + "."]
    notes.append("Each metric is one query of the insight model: naive is its raw statement "
                 "over the events, optimized the planner's statement over the rollups.")
    if report.plans is not None:
        notes.append(f"Executed plans of both forms are in {report.plans}.")
    section = BenchmarkSection(rows=rows, events=report.events, repeat=report.repeat, notes=notes)
    if not rows:
        section.available = False
        section.reason = "no data: nothing to benchmark"
    return section
