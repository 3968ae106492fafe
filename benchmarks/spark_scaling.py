"""How query cost grows with data: Spark local[2] over a Parquet lake vs DuckDB.

For each size (default 1, 2, 4 and 8 million events) the script writes the same
synthetic shop into DuckDB (``shoplens.metrics.synthetic``, 182 days), exports it as a
lake (``shoplens.lake.export``, events partitioned by day), then times the same queries
on both engines side by side: naive metric queries from ``shoplens.metrics`` (DAU, MAU,
top products), the exact distinct-user count against its HyperLogLog estimate, and a
one-week slice that partition pruning lets Spark answer from 7 of 182 folders. Every
query runs ``--repeat`` times (best time reported) after a warm-up run (on Spark only at
the first size, so that the whole run stays within ten minutes on two cores).

    .venv/bin/python benchmarks/spark_scaling.py [--sizes 1000000,2000000,...] [--repeat 2]

Prints a table and writes ``benchmarks/results/spark_scaling.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shoplens.engines import Engine, connect
from shoplens.lake.export import ExportParams, export_lake
from shoplens.metrics.compute import data_span
from shoplens.metrics.synthetic import write_shop

RESULTS = Path(__file__).resolve().parent / "results"
DAYS = 182

ADHOC = {
    "distinct_users_exact": "SELECT COUNT(DISTINCT user_id) AS n FROM events",
    "distinct_users_hll": "SELECT APPROX_COUNT_DISTINCT(user_id) AS n FROM events",
    "last_week_pruned": ("SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM events "
                         "WHERE event_time >= :lo AND event_time < :hi"),
}
METRICS = ("dau", "mau", "top_products")


def _best(engine: Engine, sql: Any, params: dict | None, repeat: int, *, warm: bool,
          ) -> tuple[float, Any]:
    if warm:
        engine.fetch_all(sql, params)  # warm-up (JIT compilation, OS cache)
    result = None
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = engine.fetch_all(sql, params)
        times.append(time.perf_counter() - t0)
    return min(times), result


def run_size(n: int, repeat: int, work: Path, *, warm: bool) -> dict[str, Any]:
    folder = work / f"n{n}"
    folder.mkdir(parents=True)
    duck = connect(f"duckdb:{folder / 'shop.duckdb'}")
    t0 = time.perf_counter()
    write_shop(duck, n, days=DAYS, seed=7)
    write_s = time.perf_counter() - t0
    summary = export_lake(duck, ExportParams(lake=folder / "lake"))
    spark = connect(f"spark://local[2]?lake={folder / 'lake'}&shuffle_partitions=4"
                    "&driver_memory=4g")
    events = int(duck.scalar("SELECT COUNT(*) FROM events"))
    first, last = data_span(duck, "naive")
    assert first is not None and last is not None
    hi = datetime.combine(last, datetime.min.time()) + timedelta(days=1)
    week = {"lo": hi - timedelta(days=7), "hi": hi}
    rows = []
    jobs: list[tuple[str, Any, dict | None]] = []
    for name in METRICS:  # each metric's raw statement (the lake has no rollups)
        from shoplens.insights.trends.compile import compile_trends
        from shoplens.metrics.bench import BenchParams, _query

        c = compile_trends(duck, _query(name, first, last, BenchParams()))
        jobs.append((f"{name} (naive)", c.query(), c.params or None))
    jobs += [(name, sql, week if ":lo" in sql else None) for name, sql in ADHOC.items()]
    for name, sql, params in jobs:
        d_s, d_rows = _best(duck, sql, params, repeat, warm=True)
        s_s, s_rows = _best(spark, sql, params, repeat, warm=warm)
        same = d_rows == s_rows
        if name == "distinct_users_hll":  # an estimate on each engine: report its error
            exact = duck.scalar(ADHOC["distinct_users_exact"])
            same = f"err {abs(s_rows[0][0] - exact) / exact:.2%}"
        rows.append({"query": name, "duckdb_s": round(d_s, 3), "spark_s": round(s_s, 3),
                     "ratio": round(s_s / d_s, 1) if d_s else None, "equal": same})
        print(f"  {n:>10,} {name:<22} duckdb {d_s:7.3f}s  spark {s_s:7.3f}s  "
              f"x{s_s / d_s:6.1f}  {same}", flush=True)
    lake_bytes = sum(f.stat().st_size for f in (folder / "lake").rglob("*.parquet"))
    spark.close()
    duck.close()
    shutil.rmtree(folder)
    return {"events": events, "write_s": round(write_s, 1), "export_s": summary.seconds,
            "partitions": summary.partitions, "lake_mb": round(lake_bytes / 2**20, 1),
            "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,2000000,4000000,8000000")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="shoplens-spark-scaling-") as tmp:
        for n in sizes:
            print(f"size {n:,}: writing, exporting, timing", flush=True)
            # Spark's JVM is warmed up on the first size only: later sizes reuse it
            out.append(run_size(n, args.repeat, Path(tmp), warm=not out))
    doc = {"machine": "2 cores (shared), Spark local[2], DuckDB default threads",
           "days": DAYS, "repeat": args.repeat, "sizes": out,
           "total_s": round(time.perf_counter() - started, 1)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "spark_scaling.json").write_text(json.dumps(doc, indent=2, default=str))
    lines = ["| events | query | DuckDB s | Spark s | Spark/DuckDB | same result |",
             "| ---: | --- | ---: | ---: | ---: | --- |"]
    for size in out:
        for r in size["rows"]:
            lines.append(f"| {size['events']:,} | {r['query']} | {r['duckdb_s']:.3f} | "
                         f"{r['spark_s']:.3f} | {r['ratio']} | {r['equal']} |")
    lines.append("")
    lines.append("| events | export s | partitions | lake MB |")
    lines.append("| ---: | ---: | ---: | ---: |")
    for size in out:
        lines.append(f"| {size['events']:,} | {size['export_s']} | {size['partitions']} | "
                     f"{size['lake_mb']} |")
    (RESULTS / "spark_scaling.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"total {doc['total_s']} s")


if __name__ == "__main__":
    main()
