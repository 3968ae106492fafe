"""Naive vs optimized metric SQL on PostgreSQL 15 and DuckDB, side by side, one run.

    .venv/bin/python benchmarks/metrics_bench.py --events 10000000 --repeat 3

Starts a throwaway PostgreSQL server configured as a production server would be
(:data:`PRODUCTION`: shared_buffers a quarter of memory, work_mem large enough for the
naive forms' sorts, JIT on with PostgreSQL's documented thresholds) and a second one
with PostgreSQL's stock defaults (:data:`STOCK`), fills a fresh schema in each and a
fresh DuckDB file with the same generated events (same seed), runs
:func:`shoplens.metrics.bench.run_bench` on each, prints one table with a column group
per run and the settings each ran with, and writes
``benchmarks/results/metrics-<N>.{json,md}`` and the plans of both forms to
``benchmarks/results/metrics-plans-<N>/<run>/``. The goals of issues 4 and 21 are
checked at the end.

At 10M events, generate once and reuse, and time the revenue family only (issue 21;
``metrics-<N>-revenue.{json,md}``)::

    .venv/bin/python benchmarks/metrics_bench.py --events 10000000 --repeat 3 \
        --data /tmp/revenue-10m --metrics revenue
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from shoplens.engines import connect
from shoplens.metrics.bench import BenchParams, BenchReport, run_bench
from shoplens.testing.postgres import PostgresServer

RESULTS = Path(__file__).resolve().parent / "results"


REVENUE = ("revenue_by_category", "aov", "top_products", "top_categories", "top_brands")
#: ``--metrics revenue``: the metrics of issue 21 and the planner's revenue breakdowns
REVENUE_FAMILY = (*REVENUE, "revenue_by_category_weekly", "purchases_by_brand_in_fr")


def _memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


#: a production server (PostgreSQL's own guidance, "Resource Consumption"): shared_buffers
#: 25 % of memory, effective_cache_size about half, work_mem for the naive forms' sorts of
#: millions of rows (COUNT(DISTINCT) sorts its input), SSD page costs, both cores per
#: query. JIT stays on with its documented thresholds (jit_above_cost 100000): it compiles
#: only the naive scans; every optimized read costs far less and never triggers it.
PRODUCTION: dict[str, str] = {
    "shared_buffers": f"{min(_memory_mb() // 4, 8192)}MB",
    "effective_cache_size": f"{_memory_mb() // 2}MB",
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "random_page_cost": "1.1",
    "max_parallel_workers_per_gather": "2",
    "jit": "on",
}
#: PostgreSQL 15's stock settings, for the second column
STOCK: dict[str, str] = {
    "shared_buffers": "128MB", "effective_cache_size": "4GB", "work_mem": "4MB",
    "maintenance_work_mem": "64MB", "random_page_cost": "4", "jit": "on",
}
RUNS = {"postgres-production": PRODUCTION, "postgres-stock": STOCK}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def markdown(runs: dict[str, BenchReport]) -> str:
    labels = list(runs)
    lines = ["| metric | " + " | ".join(f"{k} naive ms | {k} optimized ms | {k} speed-up | "
                                         f"{k} reads (N)" for k in labels) + " | rows equal |",
             "|---|" + "---:|---:|---:|---:|" * len(labels) + "---|"]
    names = [r.metric for r in next(iter(runs.values())).rows]
    for name in names:
        cells: list[str] = []
        equal: bool | None = True
        for rep in runs.values():
            r = next((x for x in rep.rows if x.metric == name), None)
            if r is None:
                cells.append("- | - | - | -")
                continue
            at_least = "> " if r.naive_timed_out else ""
            cells.append(f"{at_least}{r.naive_ms:,.1f} | {r.optimized_ms:,.2f} | "
                         f"{'≥ ' if r.naive_timed_out else ''}{r.speedup:,.1f}x | "
                         f"{r.naive_reads} / {r.optimized_reads}")
            equal = None if equal is None or r.rows_equal is None else equal and r.rows_equal
        verdict = "not compared (naive stopped)" if equal is None else "yes" if equal else "NO"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
    lines += ["", "| cost | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]

    def row(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(r.cost) for r in runs.values()) + " |")

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v / 1000:,.2f} s" if v >= 1000 else f"{v:,.0f} ms"

    def size(v: int | None) -> str:
        return "-" if v is None else f"{v / 2**20:,.1f} MiB"

    row("access paths (indexes on events) build", lambda c: ms(c.access_paths_ms))
    row("access paths size", lambda c: size(c.access_paths_bytes))
    row("rollups full build", lambda c: ms(c.rollups_ms))
    row("rollups size (with their indexes)", lambda c: size(c.rollups_bytes))
    row("rollup rows", lambda c: f"{c.rollup_rows:,}")
    row("incremental refresh of one new day", lambda c: ms(c.refresh_one_day_ms))
    row("events in that day", lambda c: f"{c.one_day_events:,}")
    row("re-categorization with the rollups' refresh", lambda c: ms(c.recategorize_ms))
    row("products re-categorized", lambda c: f"{c.recategorized_products:,}")
    keys = sorted({k for r in runs.values() for k in r.settings})
    lines += ["", "| setting | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(r.settings.get(k, "-") for r in runs.values())
                     + " |")
    return "\n".join(lines) + "\n"


def goals(runs: dict[str, BenchReport]) -> list[str]:
    """The goals of issues 4 and 21 that the runs missed (empty: all met)."""
    missed = []
    for label, rep in runs.items():
        by = {r.metric: r for r in rep.rows}
        missed += [f"{label} {r.metric}: rows differ" for r in rep.rows if r.rows_equal is False]
        missed += [f"{label} {r.metric}: rows not compared (the naive form was stopped at "
                   f"{r.naive_ms / 1000:,.0f} s)" for r in rep.rows if r.rows_equal is None]
        c = rep.cost
        limit = 3000 if label.startswith("postgres") else 1000
        for what, v in (("one-day refresh", c.refresh_one_day_ms),
                        ("re-categorization", c.recategorize_ms)):
            if v is not None and v >= limit and label != "postgres-stock":
                missed.append(f"{label} {what} {v:,.0f} ms >= {limit} ms")
        if label == "postgres-production":
            for r in rep.rows:
                goal = 50 if r.metric in ("wau", *REVENUE) else 5
                if r.speedup < goal:
                    missed.append(f"{label} {r.metric}: {r.speedup}x < {goal}x")
            rbc = by.get("revenue_by_category")
            if rbc and rbc.optimized_ms >= 10:
                missed.append(f"{label} revenue_by_category {rbc.optimized_ms} ms >= 10 ms")
        if label == "duckdb":
            if "wau" in by and by["wau"].optimized_ms >= 50:
                missed.append(f"duckdb optimized wau {by['wau'].optimized_ms} ms >= 50 ms")
            missed += [f"duckdb optimized {m} {by[m].optimized_ms} ms >= 5 ms"
                       for m in REVENUE if m in by and by[m].optimized_ms >= 5]
    return missed


def _kept_engine_url(name: str, data: Path, server: PostgresServer | None) -> tuple[str, bool]:
    """The URL of the kept data set of run ``name`` and whether it must be generated."""
    if server is None:
        path = data / "bench.duckdb"
        return f"duckdb:{path}", not (data / "duckdb.ready").exists()
    marker = data / "pg" / "database"
    if marker.exists():
        return server.url_for(marker.read_text(encoding="utf-8").strip()), False
    url = server.create_database("bench")
    marker.write_text(url.rsplit("/", 1)[-1], encoding="utf-8")
    return url, True


def _run_kept(name: str, data: Path, params: BenchParams, plans: Path) -> BenchReport:
    """Run ``name`` on the data set kept in ``data`` (generated there on first use)."""
    from shoplens.metrics.synthetic import write_shop

    data.mkdir(parents=True, exist_ok=True)
    server = None
    if name in RUNS:
        (data / "pg").mkdir(exist_ok=True)
        server = PostgresServer(datadir=data / "pg", settings=RUNS[name], keep=True).start()
    try:
        url, fresh = _kept_engine_url(name, data, server)
        with connect(url) as engine:
            if fresh:
                assert params.events is not None
                log(f"{name}: writing about {params.events:,} synthetic events into {data}")
                engine.init_schema()
                write_shop(engine, params.events, days=params.days, seed=params.seed)
                if server is None:
                    (data / "duckdb.ready").write_text("ok", encoding="utf-8")
            return run_bench(engine, params.model_copy(update={
                "events": None, "plans": plans / name if server else plans}),
                progress=lambda m: log(f"{name}: {m}"))
    finally:
        if server is not None:
            server.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed reads of each form at least, after one untimed warm-up read")
    ap.add_argument("--read-seconds", type=float, default=1.0,
                    help="read each form again while its timed reads took less than this")
    ap.add_argument("--days", type=int, default=182)
    ap.add_argument("--generator", action="store_true",
                    help="generate with shoplens.generate and load with the importer "
                         "(slower) instead of the vectorized writer")
    ap.add_argument("--engines", default="postgres-production,postgres-stock,duckdb")
    ap.add_argument("--metrics", help="comma-separated metrics to time (default: all); "
                    f"'revenue': the revenue family ({', '.join(REVENUE_FAMILY)})")
    ap.add_argument("--naive-timeout", type=float, metavar="SECONDS",
                    help="stop a naive statement after SECONDS (PostgreSQL): its time is "
                         "then a lower bound, its rows not compared")
    ap.add_argument("--data", type=Path,
                    help="generate the data once into this folder and reuse it on later runs: "
                         "a PostgreSQL cluster (DATA/pg, started with each run's settings) "
                         "and a DuckDB file (DATA/bench.duckdb); the rollups are rebuilt "
                         "every run")
    args = ap.parse_args()

    RESULTS.mkdir(exist_ok=True)
    plans = RESULTS / f"metrics-plans-{args.events}"
    metrics = (REVENUE_FAMILY if args.metrics == "revenue" else
               tuple(args.metrics.split(",")) if args.metrics else None)
    params = BenchParams(events=args.events, repeat=args.repeat, read_seconds=args.read_seconds,
                         plans=plans, days=args.days,
                         synthetic=not args.generator, metrics=metrics,
                         naive_timeout_s=args.naive_timeout)
    runs: dict[str, BenchReport] = {}
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    for name in args.engines.split(","):
        log(f"{name}: start")
        if args.data is not None:
            runs[name] = _run_kept(name, args.data, params, plans)
        elif name in RUNS:
            with PostgresServer(settings=RUNS[name]) as server, \
                    connect(server.create_database()) as engine:
                runs[name] = run_bench(engine, params.model_copy(update={
                    "plans": plans / name}), progress=lambda m, n=name: log(f"{n}: {m}"))
        else:
            with tempfile.TemporaryDirectory() as tmp, \
                    connect(f"duckdb:{tmp}/bench.duckdb") as engine:
                runs[name] = run_bench(engine, params, progress=lambda m: log(f"duckdb: {m}"))
        log(f"{name}: done")

    first = next(iter(runs.values()))
    table = markdown(runs)
    header = (f"{first.events:,} events, {first.first_day} .. {first.last_day}; "
              f"each form: one untimed warm-up read after its EXPLAIN ANALYZE, then the "
              f"median of N timed reads, N = at least {args.repeat} and more while they took "
              f"under {args.read_seconds:g} s (naive / optimized N per engine below); "
              f"load average (1 min) {load_before:.1f} at the start, "
              f"{os.getloadavg()[0]:.1f} at the end; "
              f"total wall time {time.perf_counter() - started:,.0f} s\n\n")
    print(header + table)
    stem = f"metrics-{args.events}" + (f"-{args.metrics}" if args.metrics == "revenue" else "")
    (RESULTS / f"{stem}.md").write_text(header + table, encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(
        json.dumps({k: r.model_dump(mode="json") for k, r in runs.items()}, indent=2),
        encoding="utf-8")

    missed = goals(runs)
    for m in missed:
        log(f"FAIL {m}")
    ok = not missed
    log("all goals met" if ok else "some goals missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
