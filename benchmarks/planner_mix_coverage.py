"""The planner's mix with this round's coverage against the previous round's, side by side.

    .venv/bin/python benchmarks/planner_mix_coverage.py --duckdb /tmp/shop.duckdb

The 200 random trends queries of ``planner_bench.mix`` on one DuckDB database (its
rollups built: ``planner_bench.py --duckdb`` builds them), each asked with both
coverages interleaved (alternating which goes first): ``previous`` switches off what
this round added (``rollup_session_hour`` and averages from ``rollup_event_day``),
``current`` is the planner as it is. Each query is asked twice per coverage: the first
ask compiles (the compile cache is keyed per coverage), the second finds its statements
compiled. Prints p50/p95/max and the share answered from rollups.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import shoplens.insights.planner as planner
from shoplens.engines import connect
from shoplens.insights import runner
from shoplens.insights.compile import cache

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planner_bench import mix

COVERAGE = ["current"]


def _switch() -> None:
    """Route the planner's session-hour and event-day attempts through the coverage
    switch, and key the compile cache by coverage."""
    cached, session, event_day = cache.cached, planner.session_hour_series, \
        planner.event_day_series

    def keyed(engine: Any, key: Any, fn: Any) -> Any:
        return cached(engine, (COVERAGE[0], *key), fn)

    def session_hour(query: Any, i: int, resolved: Any, scope: Any) -> Any:
        return None if COVERAGE[0] == "previous" else session(query, i, resolved, scope)

    def event_day_(query: Any, i: int, resolved: Any, scope: Any) -> Any:
        if COVERAGE[0] == "previous" and query.series[i].math == "avg":
            return None
        return event_day(query, i, resolved, scope)

    cache.cached = keyed
    planner.session_hour_series = session_hour
    planner.event_day_series = event_day_


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duckdb", required=True, help="a DuckDB file with events and rollups")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    _switch()
    times: dict[tuple[str, str], list[float]] = {}
    sources: dict[str, list[str]] = {"previous": [], "current": []}
    with connect(f"duckdb:{args.duckdb}") as duck:
        for i, q in enumerate(mix(args.queries)):
            order = ["current", "previous"] if i % 2 == 0 else ["previous", "current"]
            for ask in ("first", "again"):
                for coverage in order:
                    COVERAGE[0] = coverage
                    t0 = time.perf_counter()
                    result = runner.run(duck, q)
                    times.setdefault((coverage, ask), []).append(
                        (time.perf_counter() - t0) * 1000)
                    if ask == "first":
                        sources[coverage].append(result.source)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [f"{args.queries} queries of the mix, DuckDB, interleaved; load average {load}", "",
             "| coverage | ask | p50 ms | p95 ms | max ms | from rollups |",
             "|---|---|---:|---:|---:|---:|"]
    for coverage in ("previous", "current"):
        for ask in ("first", "again"):
            t = times[(coverage, ask)]
            share = sources[coverage].count("rollups") / len(sources[coverage])
            lines.append(f"| {coverage} | {ask} | {np.percentile(t, 50):,.1f} | "
                         f"{np.percentile(t, 95):,.1f} | {max(t):,.1f} | {share:.0%} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
