"""Naive vs optimized metric SQL on PostgreSQL 15 and DuckDB, side by side, one run.

    .venv/bin/python benchmarks/metrics_bench.py --events 10000000 --repeat 3

Starts a throwaway PostgreSQL server, fills a fresh schema in it and a fresh DuckDB file
with the same generated events (same seed), runs :func:`shoplens.metrics.bench.run_bench`
on each, prints one table, and writes ``benchmarks/results/metrics-<N>.{json,md}`` and
the plans of both forms to ``benchmarks/results/metrics-plans-<N>/<engine>/``. The goals of
issue 4 are checked at the end (WAU >= 50x and every metric >= 5x on PostgreSQL, equal
rows everywhere, optimized DuckDB WAU < 50 ms).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from shoplens.engines import connect
from shoplens.metrics.bench import BenchParams, BenchReport, run_bench
from shoplens.testing.postgres import PostgresServer

RESULTS = Path(__file__).resolve().parent / "results"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def markdown(reports: list[BenchReport]) -> str:
    lines = ["| metric | engine | naive median ms | naive p95 | optimized median ms | "
             "optimized p95 | speed-up | rows equal |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for rep in reports:
        for r in rep.rows:
            lines.append(f"| {r.metric} | {r.engine} | {r.naive_ms:,.1f} | {r.naive_p95_ms:,.1f} "
                         f"| {r.optimized_ms:,.2f} | {r.optimized_p95_ms:,.2f} "
                         f"| {r.speedup:,.1f}x | {'yes' if r.rows_equal else 'NO'} |")
    lines += ["", "| cost | " + " | ".join(r.engine for r in reports) + " |",
              "|---|" + "---:|" * len(reports)]

    def row(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(r.cost) for r in reports) + " |")

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v / 1000:,.1f} s" if v >= 1000 else f"{v:,.0f} ms"

    def size(v: int | None) -> str:
        return "-" if v is None else f"{v / 2**20:,.1f} MiB"

    row("access paths (indexes on events) build", lambda c: ms(c.access_paths_ms))
    row("access paths size", lambda c: size(c.access_paths_bytes))
    row("rollups full build", lambda c: ms(c.rollups_ms))
    row("rollups size (with their indexes)", lambda c: size(c.rollups_bytes))
    row("rollup rows", lambda c: f"{c.rollup_rows:,}")
    row("incremental refresh of one new day", lambda c: ms(c.refresh_one_day_ms))
    row("events in that day", lambda c: f"{c.one_day_events:,}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--days", type=int, default=182)
    ap.add_argument("--generator", action="store_true",
                    help="generate with shoplens.generate and load with the importer "
                         "(slower) instead of the vectorized writer")
    ap.add_argument("--engines", default="postgres,duckdb")
    args = ap.parse_args()

    RESULTS.mkdir(exist_ok=True)
    plans = RESULTS / f"metrics-plans-{args.events}"
    params = BenchParams(events=args.events, repeat=args.repeat, plans=plans, days=args.days,
                         synthetic=not args.generator)
    reports: list[BenchReport] = []
    started = time.perf_counter()
    for name in args.engines.split(","):
        log(f"{name}: start")
        if name == "postgres":
            with PostgresServer() as server, connect(server.create_database()) as engine:
                version = engine.scalar("SHOW server_version")
                log(f"postgres {version}")
                reports.append(run_bench(engine, params, progress=lambda m: log(f"pg: {m}")))
        else:
            with tempfile.TemporaryDirectory() as tmp, \
                    connect(f"duckdb:{tmp}/bench.duckdb") as engine:
                reports.append(run_bench(engine, params, progress=lambda m: log(f"duckdb: {m}")))
        log(f"{name}: done")

    table = markdown(reports)
    header = (f"{reports[0].events:,} events, {reports[0].first_day} .. {reports[0].last_day}; "
              f"median and p95 of {args.repeat} runs after a warm-up; "
              f"total wall time {time.perf_counter() - started:,.0f} s\n\n")
    print(header + table)
    (RESULTS / f"metrics-{args.events}.md").write_text(header + table, encoding="utf-8")
    (RESULTS / f"metrics-{args.events}.json").write_text(
        json.dumps([r.model_dump(mode="json") for r in reports], indent=2), encoding="utf-8")

    ok = True
    for rep in reports:
        for r in rep.rows:
            if not r.rows_equal:
                ok = False
                log(f"FAIL {rep.engine} {r.metric}: rows differ")
        if rep.engine == "postgres":
            for r in rep.rows:
                goal = 50 if r.metric == "wau" else 5
                if r.speedup < goal:
                    ok = False
                    log(f"FAIL postgres {r.metric}: {r.speedup}x < {goal}x")
        if rep.engine == "duckdb":
            wau = next((r for r in rep.rows if r.metric == "wau"), None)
            if wau and wau.optimized_ms >= 50:
                ok = False
                log(f"FAIL duckdb optimized wau {wau.optimized_ms} ms >= 50 ms")
    log("all goals met" if ok else "some goals missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
