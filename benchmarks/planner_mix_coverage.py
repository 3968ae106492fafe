"""The planner's mix with this round's coverage against the previous round's, side by side.

    .venv/bin/python benchmarks/planner_mix_coverage.py --duckdb /tmp/shop.duckdb

The 200 random trends queries of ``planner_bench.mix`` on one DuckDB database (its
rollups built: ``planner_bench.py --duckdb`` builds them), each asked with both
coverages interleaved (alternating which goes first): ``previous`` switches off what
this round added (a series no rollup covers reading the raw events beside the covered
ones: the whole query then reads the raw events), ``current`` is the planner as it is.
Each query is asked twice per coverage: the first ask compiles (the compile cache is
keyed per coverage), the second finds its statements compiled. Prints p50/p95/max, the
share answered from rollups, and the queries not wholly answered from rollups, slowest
first, with the maths and properties of their uncovered series (why they read raw).
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
from shoplens.insights.planner.coverage import filter_refs
from shoplens.insights.schema import TrendsQuery

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planner_bench import mix

COVERAGE = ["current"]


def _switch() -> None:
    """Route the planner's per-series plan through the coverage switch, and key the
    compile cache by coverage."""
    cached, plan_series = cache.cached, planner.plan_series

    def keyed(engine: Any, key: Any, fn: Any) -> Any:
        return cached(engine, (COVERAGE[0], *key), fn)

    def series(engine: Any, query: Any, resolved: Any) -> Any:
        planned = plan_series(engine, query, resolved)
        if COVERAGE[0] == "previous" and planned is not None and planned.source != "rollups":
            return None
        return planned

    cache.cached = keyed
    planner.plan_series = series


def why(query: TrendsQuery) -> str:
    """The maths and the properties a query reads (filters, breakdowns)."""
    props = sorted({*filter_refs(query.filters), *(b.property for b in query.breakdowns),
                    *(p for s in query.series for p in filter_refs(s.filters))})
    maths = sorted({s.math for s in query.series})
    return f"{'/'.join(maths)} with {', '.join(props) or 'no property'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duckdb", required=True, help="a DuckDB file with events and rollups")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    _switch()
    times: dict[tuple[str, str], list[float]] = {}
    sources: dict[str, list[str]] = {"previous": [], "current": []}
    queries = mix(args.queries)
    with connect(f"duckdb:{args.duckdb}") as duck:
        for i, q in enumerate(queries):
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
            mixed = sources[coverage].count("mixed") / len(sources[coverage])
            lines.append(f"| {coverage} | {ask} | {np.percentile(t, 50):,.1f} | "
                         f"{np.percentile(t, 95):,.1f} | {max(t):,.1f} | {share:.0%} "
                         f"(+{mixed:.0%} mixed) |")
    first = times[("current", "first")]
    slow = sorted((i for i, src in enumerate(sources["current"]) if src != "rollups"),
                  key=lambda i: -first[i])
    lines += ["", f"Not wholly from rollups ({len(slow)} of {len(queries)}; current coverage, "
              "first ask), slowest first:", "", "| ms | source | reads |", "|---:|---|---|"]
    lines += [f"| {first[i]:,.1f} | {sources['current'][i]} | {why(queries[i])} |" for i in slow]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
