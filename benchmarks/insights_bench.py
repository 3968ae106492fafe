"""Raw insight queries (no planner) on DuckDB and PostgreSQL over the same synthetic events.

    .venv/bin/python benchmarks/insights_bench.py --events 1000000 --repeat 3

Writes about ``--events`` events with :func:`shoplens.metrics.synthetic.write_shop`
(same seed) into a DuckDB file and a throwaway PostgreSQL server, then times the questions
of ``docs/queries.md`` as compiled for raw events (what runs when no rollup planner
answers): median and best of ``--repeat`` runs after a warm-up, one engine after the
other, and checks both engines return the same numbers (to 6 decimals). The rollup planner's own speed
goals are measured by its benchmark; this is the raw baseline it is compared with.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import shoplens as sl
from shoplens.engines import Engine, connect
from shoplens.metrics.synthetic import write_shop

QUERIES: dict[str, dict[str, Any]] = {
    "DAU (day)": {"kind": "trends", "series": [{"math": "unique_users"}], "interval": "day"},
    "WAU by country, top 10 + other": {
        "kind": "trends", "series": [{"math": "unique_users"}], "interval": "week",
        "breakdowns": [{"property": "user.country", "limit": 10}]},
    "weekly buyers in FR": {
        "kind": "trends", "series": [{"event": "action:purchase", "math": "unique_users"}],
        "interval": "week", "filters": [{"property": "user.country", "value": "FR"}]},
    "revenue by category (month)": {
        "kind": "trends", "interval": "month",
        "series": [{"math": "sum", "math_property": "revenue"}],
        "filters": [{"property": "revenue", "operator": "is_set"}],
        "breakdowns": [{"property": "product.category", "limit": 10}]},
    "conversion buyers / viewers (week)": {
        "kind": "trends", "interval": "week", "formula": "A / B",
        "series": [{"event": "action:purchase", "math": "unique_users"},
                   {"event": "action:view", "math": "unique_users"}]},
    "p90 basket line by weekday": {
        "kind": "trends", "interval": "month", "breakdowns": [{"property": "time.weekday"}],
        "series": [{"event": "action:purchase", "math": "p90", "math_property": "revenue"}]},
    "lifecycle (week)": {"kind": "lifecycle", "interval": "week"},
    "stickiness (day, last 28 days)": {"kind": "stickiness", "interval": "day",
                                       "date_range": {"date_from": "-27d"}},
    "retention (week, 8)": {"kind": "retention", "period": "week", "total_intervals": 8},
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def time_query(engine: Engine, doc: dict[str, Any], repeat: int) -> tuple[list[float], str]:
    result = sl.query(doc, engine)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = sl.query(doc, engine)
        times.append((time.perf_counter() - start) * 1000)
    return times, json.dumps(_rounded({k: v for k, v in result.to_dict().items()
                                       if k != "sql"}), sort_keys=True, default=str)


def _rounded(x: Any) -> Any:
    """Numbers to 6 decimals: engines interpolate percentiles with different double
    arithmetic (the last bits differ), which is not a different answer."""
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=182)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engines", default="duckdb,postgres")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="insights-bench-"))
    engines: dict[str, Engine] = {}
    server = None
    for name in args.engines.split(","):
        if name == "duckdb":
            engines[name] = connect(f"duckdb:{work / 'shop.duckdb'}")
        elif name == "postgres":
            from shoplens.testing.postgres import PostgresServer

            server = PostgresServer().start()
            engines[name] = connect(server.create_database())
        else:
            raise SystemExit(f"unknown engine {name}")
        log(f"{name}: writing about {args.events:,} events")
        write_shop(engines[name], args.events, days=args.days)
    n = engines[next(iter(engines))].scalar("SELECT COUNT(*) FROM events")
    rows: dict[str, dict[str, tuple[float, float]]] = {}
    answers: dict[str, dict[str, str]] = {}
    try:
        for name, engine in engines.items():
            for label, doc in QUERIES.items():
                log(f"{name}: {label}")
                times, answer = time_query(engine, doc, args.repeat)
                rows.setdefault(label, {})[name] = (statistics.median(times), min(times))
                answers.setdefault(label, {})[name] = answer
    finally:
        for engine in engines.values():
            engine.close()
        if server is not None:
            server.stop()
    names = list(engines)
    print(f"Raw insight queries over {n:,} events ({args.days} days), median (best) of "
          f"{args.repeat} runs, ms\n")
    print("| query | " + " | ".join(names) + " | same answer |")
    print("| --- | " + " | ".join("---:" for _ in names) + " | --- |")
    for label, by in rows.items():
        cells = [f"{by[e][0]:,.0f} ({by[e][1]:,.0f})" for e in names]
        same = len(set(answers[label].values())) == 1
        print(f"| {label} | " + " | ".join(cells) + f" | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
