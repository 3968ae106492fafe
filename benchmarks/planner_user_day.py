"""Retention, lifecycle and stickiness from the user-day rollup against the raw
statements, side by side (a section of ``planner_bench.py``; runnable alone)::

    .venv/bin/python benchmarks/planner_user_day.py --events 1000000 --engines duckdb,postgres

For each query: the median of ``--repeat`` warm runs of the raw statement and of the
planner's, and whether their rows are identical. The queries are the cohort matrices
``shoplens cohorts`` and the report draw (now retention queries) and the lifecycle and
stickiness views of the growth report.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from typing import Any

from shoplens.cohorts import CohortParams, retention_query
from shoplens.engines import Engine, connect
from shoplens.insights.planner.compare import canonical, compile_form
from shoplens.insights.schema import parse_query
from shoplens.metrics import rollups
from shoplens.metrics.synthetic import write_shop

QUERIES: dict[str, Any] = {
    "cohorts: brief (signup month x week, 8)": retention_query(CohortParams()),
    "cohorts: LTV (first purchase month x month, 12)": retention_query(CohortParams(
        cohort_by="first_purchase", period="month", offset_unit="month", periods=12,
        measure="revenue", kind="cumulative")),
    "cohorts: weekly rolling (first activity, 26)": retention_query(CohortParams(
        cohort_by="first_activity", period="week", offset_unit="week", periods=26,
        kind="rolling")),
    "retention: weekly first-time, 8": parse_query({"kind": "retention", "period": "week"}),
    "lifecycle: weekly": parse_query({"kind": "lifecycle", "interval": "week"}),
    "stickiness: days of the last 28": parse_query({
        "kind": "stickiness", "interval": "day", "date_range": {"date_from": "-28d"}}),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _ms(engine: Engine, compiled: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    df = compiled.fetch_df(engine)
    return (time.perf_counter() - t0) * 1000, df


def user_day_pairs(engine: Engine, repeat: int = 3) -> dict[str, dict[str, Any]]:
    """Per query: raw and planner medians (ms), speed-up, rows equal, rows."""
    out: dict[str, dict[str, Any]] = {}
    for name, query in QUERIES.items():
        log(f"{engine.name}: {name}")
        row: dict[str, Any] = {}
        rows = {}
        for form, plan in (("raw", False), ("planner", True)):
            compiled = compile_form(engine, query, plan=plan)
            if plan:
                assert compiled.source == "rollups", f"the planner should answer {name}"
            _ms(engine, compiled)  # warm-up
            runs = [_ms(engine, compiled) for _ in range(repeat)]
            row[f"{form}_ms"] = round(statistics.median(t for t, _ in runs), 1)
            rows[form] = canonical(runs[0][1])
        row["speedup"] = round(row["raw_ms"] / max(row["planner_ms"], 0.01), 1)
        row["rows_equal"] = rows["raw"] == rows["planner"]
        row["rows"] = len(rows["raw"])
        out[name] = row
    return out


def markdown(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = ["| user-day insight | engine | raw ms | planner ms | speed-up | rows equal |",
             "|---|---|---:|---:|---:|---|"]
    for eng, pairs in results.items():
        for name, p in pairs.items():
            lines.append(f"| {name} | {eng} | {p['raw_ms']:,.1f} | {p['planner_ms']:,.1f} | "
                         f"{p['speedup']:,.1f}x | {'yes' if p['rows_equal'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engines", default="duckdb,postgres")
    args = ap.parse_args()
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            if name == "duckdb":
                with connect(f"duckdb:{tmp}/bench.duckdb") as duck:
                    results["duckdb"] = _fill_and_run(duck, args)
            else:
                from shoplens.testing.postgres import PostgresServer

                sys.path.insert(0, __file__.rsplit("/", 1)[0])
                from metrics_bench import PRODUCTION

                with PostgresServer(settings=PRODUCTION) as server, \
                        connect(server.create_database()) as pg:
                    results["postgres"] = _fill_and_run(pg, args)
    print(f"{args.events:,} generated events; medians of {args.repeat} warm runs\n")
    print(markdown(results))
    return 0


def _fill_and_run(engine: Engine, args: Any) -> dict[str, dict[str, Any]]:
    engine.init_schema()
    log(f"{engine.name}: writing {args.events:,} events")
    write_shop(engine, args.events, countries=30)
    rollups.rebuild(engine)
    if engine.name == "postgres":
        engine.execute("VACUUM (ANALYZE)", native=True)
    return user_day_pairs(engine, args.repeat)


if __name__ == "__main__":
    raise SystemExit(main())
