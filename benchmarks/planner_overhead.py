"""The Python a query costs around its statement, with and without the compile cache.

    .venv/bin/python benchmarks/planner_overhead.py --events 1000000 --queries 200

For each query of the planner bench's random mix (``planner_bench.mix``), interleaved so
that the machine's load falls on all three alike:

- **cold**: ``shoplens.insights.run`` with the compile cache off and SQLGlot's transpile
  memo emptied (every query compiled from scratch, the previous round's path);
- **cached**: ``shoplens.insights.run`` with the cache on, the query asked before (what a
  dashboard or the explorer asking again pays);
- **statement**: the chosen statement alone (``Compiled.fetch_df``), what the engine
  spends.

Prints medians and p95 over all queries and over those answered from rollups, and the
overhead (run minus statement). ``--db`` reuses a database with rollups built.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.engines import Engine, connect
from shoplens.engines.sql import transpile
from shoplens.insights import runner
from shoplens.insights.compile import cache
from shoplens.insights.planner.check import both_forms
from shoplens.metrics import rollups
from shoplens.metrics.synthetic import write_shop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planner_bench import mix


def _ms(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def measure(engine: Engine, n: int) -> dict[str, dict[str, list[float]]]:
    queries = mix(n)
    for q in queries:  # warm: data read once, the cache filled
        runner.run(engine, q)
    out: dict[str, dict[str, list[float]]] = {"all": {}, "rollups": {}}
    for q in queries:
        raw, planned = both_forms(engine, q)
        statement = planned or raw
        cache.set_enabled(False)
        transpile.cache_clear()
        cold = _ms(lambda q=q: runner.run(engine, q))
        cache.set_enabled(True)
        cached = _ms(lambda q=q: runner.run(engine, q))
        alone = _ms(lambda s=statement: s.fetch_df(engine))
        for group in ("all", "rollups") if planned is not None else ("all",):
            for k, v in (("cold", cold), ("cached", cached), ("statement", alone),
                         ("cold overhead", cold - alone), ("cached overhead", cached - alone)):
                out[group].setdefault(k, []).append(v)
    return out


def markdown(res: dict[str, dict[str, list[float]]], events: int, db: str) -> str:
    lines = [f"{events:,} events ({db}); load average "
             f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}", "",
             "| queries | n | cold p50 / p95 ms | cached p50 / p95 ms | statement p50 / p95 ms "
             "| overhead cold → cached, p50 / p95 ms |", "|---|---:|---:|---:|---:|---:|"]
    for group, label in (("all", "the whole mix"), ("rollups", "answered from rollups")):
        r = res[group]
        if not r:
            continue

        def pp(k: str, r: dict[str, list[float]] = r) -> str:
            return f"{np.percentile(r[k], 50):,.1f} / {np.percentile(r[k], 95):,.1f}"

        lines.append(f"| {label} | {len(r['cold'])} | {pp('cold')} | {pp('cached')} | "
                     f"{pp('statement')} | {pp('cold overhead')} → {pp('cached overhead')} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--db", default=None, help="an engine URL with rollups built")
    args = ap.parse_args()
    if args.db:
        with connect(args.db) as engine:
            events = int(engine.scalar("SELECT COUNT(*) FROM events") or 0)
            print(markdown(measure(engine, args.queries), events, engine.name))
        return 0
    with tempfile.TemporaryDirectory() as tmp, connect(f"duckdb:{tmp}/o.duckdb") as engine:
        engine.init_schema()
        write_shop(engine, args.events, countries=30)
        rollups.rebuild(engine)
        engine.execute("CHECKPOINT")
        print(markdown(measure(engine, args.queries), args.events, engine.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
