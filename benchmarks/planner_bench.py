"""The insight planner against the raw statements, side by side, one run.

    .venv/bin/python benchmarks/planner_bench.py --events 2000000 --queries 200

1. WAU by country (top 10 + other) from the planner's rollups against the raw
   statement, on PostgreSQL tuned as a production server (``metrics_bench.PRODUCTION``)
   and on DuckDB, same generated events (30 countries with a long tail), rows compared
   (goals: >= 50x on PostgreSQL, < 50 ms on DuckDB).
2. A mix of random trends queries (series, math, filters, breakdowns, intervals, date
   ranges) on DuckDB through ``shoplens.insights.runner.run``: p50/p95 with the planner,
   the share answered from rollups (and the share "mixed": some series from rollups,
   the others from the raw events), each answer compared with the planner turned off
   (goal: p95 < 300 ms).
3. The first ``--spark-queries`` queries of the same mix on Spark local[2] over a lake
   exported from a small DuckDB shop (``--spark-events``), compared with DuckDB's.
4. Retention (the cohort matrices among them), lifecycle and stickiness from the
   user-day rollup against their raw statements on both engines, rows compared
   (``planner_user_day.py``, which also runs alone; ``--skip user_day`` leaves it out).

Writes ``benchmarks/results/planner-<N>.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.engines import Engine, connect
from shoplens.insights import runner
from shoplens.insights.planner.check import both_forms, canonical
from shoplens.insights.schema import TrendsQuery
from shoplens.metrics import rollups
from shoplens.metrics.synthetic import write_shop
from shoplens.testing.postgres import PostgresServer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metrics_bench import PRODUCTION
from planner_user_day import markdown as user_day_markdown
from planner_user_day import user_day_pairs

RESULTS = Path(__file__).resolve().parent / "results"
WAU_BY_COUNTRY = TrendsQuery.model_validate({
    "series": [{"math": "unique_users"}], "interval": "week",
    "breakdowns": [{"property": "user.country", "limit": 10}]})

EVENTS = [None, "action:purchase", "action:view", "action:cart", "stage:conversion",
          "viewed", "purchased", "refund"]
MATHS = [{"math": "total"}, {"math": "total"}, {"math": "unique_users"},
         {"math": "unique_users"}, {"math": "sum", "math_property": "revenue"},
         {"math": "sum", "math_property": "event.quantity"},
         {"math": "avg", "math_property": "event.price"}, {"math": "unique_sessions"}]
FILTERS = [{"property": "user.country", "value": "FR"},
           {"property": "user.country", "operator": "in", "value": ["DE", "PL", "ES"]},
           {"property": "product.category", "operator": "contains", "value": "electronics"},
           {"property": "product.brand", "operator": "in", "value": ["apple", "samsung"]},
           {"property": "event.event_type", "operator": "neq", "value": "view"},
           {"property": "time.weekday", "operator": "gte", "value": 6},
           {"property": "event.price", "operator": "gt", "value": 100},
           {"property": "session.n_events", "operator": "gt", "value": 5}]
BREAKDOWNS = [{"property": "user.country", "limit": 10}, {"property": "product.category"},
              {"property": "product.brand", "limit": 5}, {"property": "event.event_type"},
              {"property": "time.weekday"}, {"property": "time.hour"},
              {"property": "event.action"}]
RANGES = [{}, {"date_from": "-30d"}, {"date_from": "-90d"}, {"date_from": "this month"},
          {"date_from": "last month"}, {"date_from": "2024-02-05", "date_to": "2024-04-28"},
          {"date_from": "2024-03-01", "date_to": "2024-03-31"}]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mix(n: int, seed: int = 1) -> list[TrendsQuery]:
    """``n`` random trends queries (the same for a seed)."""
    rng = np.random.default_rng(seed)
    pick = lambda xs: xs[int(rng.integers(0, len(xs)))]  # noqa: E731
    out = []
    for _ in range(n):
        series = [{"event": pick(EVENTS), **pick(MATHS)}
                  for _ in range(1 + int(rng.random() < 0.2))]
        doc: dict[str, Any] = {
            "series": series, "interval": pick(["day", "week", "week", "month", "quarter"]),
            "date_range": pick(RANGES),
            "filters": [pick(FILTERS)] if rng.random() < 0.5 else [],
            "breakdowns": [pick(BREAKDOWNS)] if rng.random() < 0.6 else []}
        if doc["interval"] == "day" and not doc["date_range"]:
            doc["date_range"] = {"date_from": "-30d"}
        out.append(TrendsQuery.model_validate(doc))
    return out


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pair(engine: Engine, query: TrendsQuery, repeat: int) -> dict[str, Any]:
    """Median ms of the raw and the planner's statement, and whether the rows agree."""
    raw, planned = both_forms(engine, query)
    assert planned is not None, "the planner should answer this query"
    out: dict[str, Any] = {}
    rows = {}
    for form, compiled in (("raw", raw), ("planner", planned)):
        compiled.fetch_df(engine)  # warm-up
        runs = [timed(lambda c=compiled: c.fetch_df(engine)) for _ in range(repeat)]
        out[f"{form}_ms"] = round(statistics.median(t for t, _ in runs), 2)
        rows[form] = canonical(runs[0][1])
    out["speedup"] = round(out["raw_ms"] / out["planner_ms"], 1)
    out["rows_equal"] = rows["raw"] == rows["planner"]
    out["rows"] = len(rows["raw"])
    return out


def same(a: Any, b: Any) -> bool:
    """Equal answers; floats within 1e-9 relative (a raw average or percentile is a
    parallel sum of doubles, whose last bits change from run to run on DuckDB and
    Spark; counts and sums from the planner are exact)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def max_relative(a: Any, b: Any) -> float:
    """The largest relative difference between two answers' floats (0: equal)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) / max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return max((max_relative(a[k], b[k]) for k in a if k in b), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        return max((max_relative(x, y) for x, y in zip(a, b, strict=False)), default=0.0)
    return 0.0


def _timed_pass(engine: Engine, queries: list[TrendsQuery], *, cold: bool = False
                ) -> list[float]:
    """Each query's time; ``cold``: SQLGlot's transpile memo emptied before each one."""
    from shoplens.engines.sql import transpile

    out = []
    for q in queries:
        if cold:
            transpile.cache_clear()
        out.append(timed(lambda q=q: runner.run(engine, q))[0])
    return out


def _pct(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(times, 50)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1)}


def run_mix(engine: Engine, queries: list[TrendsQuery], *, compare: bool = True,
            passes: bool = False) -> dict[str, Any]:
    """Run every query through the runner (planner on), then with the planner off.

    ``compare``: each answer against the planner-off answer, exactly and within float
    noise (:func:`same`); an exact miss is listed with its source and largest relative
    difference (``raw`` on both sides: the same raw statement twice, so the engine's
    own nondeterminism). ``passes``: the mix is timed twice more, once more with the
    compile cache (every statement compiled already: what a dashboard or the explorer
    asking again pays) and once with the cache off (every query compiled from scratch,
    the previous round's behaviour)."""
    from shoplens.insights.compile import cache

    times, sources, exact, equal, answers = [], [], 0, 0, []
    unequal: list[str] = []
    for q in queries:
        t, result = timed(lambda q=q: runner.run(engine, q))
        times.append(t)
        sources.append(result.source)
        answers.append(result.payload["series"])
        if compare:
            previous = runner.set_planner(None)
            try:
                raw = runner.run(engine, q)
            finally:
                runner.set_planner(previous)
            a, b = raw.payload["series"], result.payload["series"]
            exact += a == b
            equal += same(a, b)
            if a != b:
                maths = sorted({s.math for s in q.series})
                unequal.append(f"{result.source} vs raw, maths {maths}, max relative "
                               f"difference {max_relative(a, b):.1e}: "
                               f"{q.model_dump_json(exclude_defaults=True)}")
    out = {"queries": len(queries), **_pct(times), "max_ms": round(max(times), 1),
           "from_rollups": round(sources.count("rollups") / len(queries), 3),
           "mixed": round(sources.count("mixed") / len(queries), 3),
           "equal_to_raw": equal if compare else None,
           "exactly_equal_to_raw": exact if compare else None, "unequal": unequal,
           "answers": answers}
    if passes:
        out["cached"] = _pct(_timed_pass(engine, queries))
        previous = cache.set_enabled(False)
        try:
            out["uncached"] = _pct(_timed_pass(engine, queries, cold=True))
        finally:
            cache.set_enabled(previous)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--pg-events", type=int, default=None,
                    help="events of the PostgreSQL run (default: --events)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark-events", type=int, default=20_000)
    ap.add_argument("--spark-queries", type=int, default=20)
    ap.add_argument("--skip", default="", help="comma list of: postgres, spark, user_day")
    ap.add_argument("--duckdb", default=None,
                    help="a DuckDB file holding the generated events already (reused: only "
                         "its rollups are rebuilt; --events names its size)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    report: dict[str, Any] = {"events": args.events}
    queries = mix(args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        with connect(f"duckdb:{args.duckdb or tmp + '/bench.duckdb'}") as duck:
            duck.init_schema()
            if args.duckdb is None:
                log("duckdb: writing events")
                write_shop(duck, args.events, countries=30)
            log("duckdb: building the rollups")
            t, _ = timed(lambda: rollups.rebuild(duck))
            report["duckdb_rollups_build_ms"] = round(t)
            duck.execute("CHECKPOINT")
            log("duckdb: WAU by country")
            report["duckdb_wau_by_country"] = pair(duck, WAU_BY_COUNTRY, args.repeat)
            log(f"duckdb: a mix of {len(queries)} queries")
            m = run_mix(duck, queries, passes=True)
            report["duckdb_mix"] = {k: v for k, v in m.items() if k != "answers"}
            if "user_day" not in skip:
                report["duckdb_user_day"] = user_day_pairs(duck, args.repeat)
            if "spark" not in skip:
                report["spark_mix"] = spark_mix(tmp, queries[:args.spark_queries],
                                                args.spark_events)
        if "postgres" not in skip:
            with PostgresServer(settings=PRODUCTION) as server, \
                    connect(server.create_database()) as pg:
                pg.init_schema()
                log("postgres: writing events")
                report["postgres_events"] = args.pg_events or args.events
                write_shop(pg, report["postgres_events"], countries=30)
                t, _ = timed(lambda: rollups.rebuild(pg))
                report["postgres_rollups_build_ms"] = round(t)
                pg.execute("VACUUM (ANALYZE)", native=True)
                log("postgres: WAU by country")
                report["postgres_wau_by_country"] = pair(pg, WAU_BY_COUNTRY, args.repeat)
                if "user_day" not in skip:
                    report["postgres_user_day"] = user_day_pairs(pg, args.repeat)
    report["load"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    text = markdown(report)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"planner-{args.events}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"planner-{args.events}.json").write_text(json.dumps(report, indent=2),
                                                         encoding="utf-8")
    return 0


def spark_mix(tmp: str, queries: list[TrendsQuery], events: int) -> dict[str, Any]:
    """The queries on Spark local[2] over a lake exported from a small DuckDB shop."""
    from shoplens.lake.export import ExportParams, export_lake

    with connect(f"duckdb:{tmp}/small.duckdb") as small:
        small.init_schema()
        write_shop(small, events, countries=30)
        rollups.rebuild(small)
        lake = Path(tmp) / "lake"
        export_lake(small, ExportParams(lake=lake))
        duck = run_mix(small, queries, compare=False)
        with connect(f"spark://local[2]?lake={lake}&shuffle_partitions=2") as spark:
            log("spark: building rollups")
            t_build, _ = timed(lambda: rollups.ensure_fresh(spark))
            log(f"spark: {len(queries)} queries")
            res = run_mix(spark, queries, compare=False)
    equal = sum(same(a, b) for a, b in zip(duck["answers"], res["answers"], strict=True))
    return {"events": events, "rollups_build_ms": round(t_build), "equal_to_duckdb": equal,
            **{k: v for k, v in res.items() if k not in ("answers", "equal_to_raw")}}


def markdown(r: dict[str, Any]) -> str:
    lines = [f"{r['events']:,} generated events (30 countries); medians of warm runs; "
             f"load average {r.get('load', '?')}", "",
             "| WAU by country, top 10 + other | events | raw ms | planner ms | speed-up "
             "| rows equal |", "|---|---:|---:|---:|---:|---|"]
    for eng in ("postgres", "duckdb"):
        w = r.get(f"{eng}_wau_by_country")
        if w:
            n = r.get("postgres_events", r["events"]) if eng == "postgres" else r["events"]
            lines.append(f"| {eng} | {n:,} | {w['raw_ms']:,.1f} | {w['planner_ms']:,.2f} | "
                         f"{w['speedup']:,.1f}x | {'yes' if w['rows_equal'] else 'NO'} |")
    lines += ["", "| mix | queries | p50 ms | p95 ms | max ms | from rollups | equal "
              "(exactly) |", "|---|---:|---:|---:|---:|---:|---|"]
    for key, label in (("duckdb_mix", "DuckDB (vs planner off)"),
                       ("spark_mix", "Spark local[2] (vs DuckDB)")):
        m = r.get(key)
        if m:
            eq = m.get("equal_to_raw", m.get("equal_to_duckdb"))
            ex = m.get("exactly_equal_to_raw")
            lines.append(f"| {label} | {m['queries']} | {m['p50_ms']:,.1f} | {m['p95_ms']:,.1f} "
                         f"| {m['max_ms']:,.1f} | {m['from_rollups']:.0%}"
                         + (f" (+{m['mixed']:.0%} mixed)" if m.get("mixed") else "")
                         + f" | {eq}/{m['queries']}"
                         + (f" ({ex})" if ex is not None else "") + " |")
    m = r.get("duckdb_mix") or {}
    if "cached" in m:
        lines += ["", "| the same mix on DuckDB, timed again | p50 ms | p95 ms |", "|---|---:|---:|",
                  f"| compile cache off (every query compiled from scratch) | "
                  f"{m['uncached']['p50_ms']:,.1f} | {m['uncached']['p95_ms']:,.1f} |",
                  f"| compile cache on, statements compiled already | "
                  f"{m['cached']['p50_ms']:,.1f} | {m['cached']['p95_ms']:,.1f} |"]
    if m.get("unequal"):
        lines += ["", "Answers not exactly equal to the planner-off answer:", ""]
        lines += [f"- {u}" for u in m["unequal"]]
    user_day = {eng: r[f"{eng}_user_day"] for eng in ("duckdb", "postgres")
                if f"{eng}_user_day" in r}
    if user_day:
        lines += ["", user_day_markdown(user_day).rstrip("\n")]
    if "spark_mix" in r:
        lines.append(f"\nSpark over {r['spark_mix']['events']:,} events; its rollups built in "
                     f"{r['spark_mix']['rollups_build_ms'] / 1000:,.1f} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
