"""Cohort retention on 10 million events: the SQL matrix on DuckDB (goal: a full matrix
in under 2 s), side by side with the pandas code practitioners write for the Online
Retail cohort analysis, whose numbers it must reproduce.

    .venv/bin/python benchmarks/cohorts_bench.py --events 10000000 --repeat 3

Generates a shop in memory with ``shoplens.generate.generate_tables`` (same seed, same
data every run), appends it to a fresh DuckDB file through the engine's bulk path, times
``compute_cohorts`` for the brief's default, the classic, weekly rolling and the LTV
curve, times the tutorial-style pandas computation of the classic and checks both give
the same numbers wherever the matrix is observable. Each matrix is timed side by side
with the dedicated cohort SQL the retention runner replaced (``cohorts_legacy.sql``,
run as it was: freshness check, then the statement), whose cells must be the same.
Writes
``benchmarks/results/cohorts-<N>.{json,md}``. ``--engines duckdb,postgres`` adds a
throwaway PostgreSQL server (slow to fill at 10M rows; use a smaller ``--events``).
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shoplens.cohorts import CohortParams, CohortResult, compute_cohorts
from shoplens.engines import Engine, connect
from shoplens.engines.sql import Query
from shoplens.metrics import rollups

RESULTS = Path(__file__).resolve().parent / "results"
#: the cohort statement before the matrices became retention queries (commit 8f3cd0c^)
LEGACY_SQL = Query((Path(__file__).resolve().parent / "cohorts_legacy.sql").read_text(
    encoding="utf-8"), name="cohorts_legacy")
LEGACY = {"viewed": "view", "add-to-cart": "cart", "remove-from-cart": "remove_from_cart",
          "purchased": "purchase"}
CASES = {
    "brief (signup month x week, 8)": CohortParams(),
    "classic (first purchase month x month, 12)": CohortParams(
        cohort_by="first_purchase", period="month", offset_unit="month", periods=12),
    "weekly rolling (first activity, 26)": CohortParams(
        cohort_by="first_activity", period="week", offset_unit="week", periods=26,
        kind="rolling"),
    "LTV (first purchase month x month, 12)": CohortParams(
        cohort_by="first_purchase", period="month", offset_unit="month", periods=12,
        measure="revenue", kind="cumulative"),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def shop_tables(events: int, seed: int) -> dict[str, pa.Table]:
    """The generated shop in the ShopLens schema's columns."""
    from shoplens.generate import GenerateParams, generate_tables

    shop = generate_tables(GenerateParams(events=events, seed=seed, months=12))
    ev = shop.events
    raw = pc.cast(ev.column("event_type"), pa.string())
    canonical = pc.cast(raw, pa.string())
    for legacy, name in LEGACY.items():
        canonical = pc.if_else(pc.equal(raw, legacy), name, canonical)
    events_t = pa.table({
        "event_id": pa.array(np.arange(ev.num_rows, dtype=np.int64)),
        "user_id": pc.cast(ev.column("user_id"), pa.string()),
        "session_id": ev.column("session_id"),
        "event_type": canonical,
        "raw_event": raw,
        "product_id": pc.cast(ev.column("product_id"), pa.string()),
        "quantity": pa.array(np.ones(ev.num_rows, dtype=np.int32)),
        "event_time": pc.cast(ev.column("timestamp"), pa.timestamp("us")),
    })
    users = shop.users.set_column(0, "user_id", pc.cast(shop.users.column("user_id"),
                                                        pa.string()))
    products = shop.products.set_column(
        0, "product_id", pc.cast(shop.products.column("product_id"), pa.string()))
    return {"users": users, "products": products, "events": events_t}


def fill(engine: Engine, tables: dict[str, pa.Table]) -> None:
    with engine.transaction():
        for name, table in tables.items():
            for batch in table.to_batches(max_chunksize=1_000_000):
                engine.append_arrow(name, batch)


def legacy_cells(engine: Engine, params: CohortParams) -> pd.DataFrame:
    """The dedicated statement as ``compute_cohorts`` ran it before: rollups checked,
    then one statement (one row per cell)."""
    with engine.transaction():
        rollups.ensure_fresh(engine)
    return engine.fetch_df(LEGACY_SQL, {
        "cohort_by": params.cohort_by, "period": params.period,
        "offset_unit": params.offset_unit, "periods": params.periods,
        "measure": params.measure, "kind": params.kind, "activity": params.active_on,
        "observed_from": params.observed_from, "observed_until": params.observed_until})


def time_case(engine: Engine, params: CohortParams, repeat: int
              ) -> tuple[list[float], list[float], CohortResult, pd.DataFrame]:
    """Times of the retention runner and of the legacy statement, alternated."""
    times, legacy = [], []
    result = cells = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = compute_cohorts(engine, params)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cells = legacy_cells(engine, params)
        legacy.append(time.perf_counter() - t0)
    assert result is not None and cells is not None
    return times, legacy, result, cells


def compare_with_legacy(result: CohortResult, cells: pd.DataFrame) -> int:
    """Cells whose value differs from the legacy statement's (censored = None)."""
    theirs = {(pd.Timestamp(r.cohort).date(), int(r.offset)):
              (None if pd.isna(r.value) else float(r.value)) for r in cells.itertuples()}
    bad = 0
    for row in result.rows:
        for n, value in enumerate(row.values):
            other = theirs.get((row.cohort, n), "missing")
            same = (value is None and other is None) or (
                value is not None and isinstance(other, float) and abs(value - other) < 1e-9)
            bad += not same
    return bad + abs(len(theirs) - sum(len(r.values) for r in result.rows))


def tutorial_classic(events: pd.DataFrame, periods: int) -> pd.DataFrame:
    """The Online Retail cohort analysis as practitioners write it (cancellations
    dropped, cohort = month of first invoice, index = calendar-month difference,
    nunique customers divided by the cohort's month 0)."""
    df = events.loc[events["event_type"] == "purchase", ["user_id", "event_time"]].copy()
    df["invoice_month"] = df["event_time"].dt.to_period("M")
    df["cohort_month"] = df.groupby("user_id")["invoice_month"].transform("min")
    df["cohort_index"] = ((df["invoice_month"].dt.year - df["cohort_month"].dt.year) * 12
                          + (df["invoice_month"].dt.month - df["cohort_month"].dt.month))
    counts = df.groupby(["cohort_month", "cohort_index"])["user_id"].nunique().unstack()
    retention = counts.divide(counts[0], axis=0)
    return retention.reindex(columns=range(periods))


def compare_with_tutorial(result: CohortResult, tutorial: pd.DataFrame) -> int:
    """Number of observable cells that differ (the tutorial leaves empty cells NaN)."""
    bad = 0
    for row in result.rows:
        month = pd.Period(row.cohort, "M")
        for n, value in enumerate(row.values):
            if value is None:
                continue
            theirs = tutorial.loc[month, n] if month in tutorial.index else np.nan
            theirs = 0.0 if np.isnan(theirs) else float(theirs)
            bad += abs(theirs - value) > 1e-12
    return bad


def matrix_markdown(result: CohortResult) -> str:
    from shoplens.cohorts.plots import format_value

    head = "| cohort | size | " + " | ".join(str(n) for n in result.offsets) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(result.offsets)]
    for r in result.rows:
        lines.append(f"| {r.label} | {r.size:,} | "
                     + " | ".join(format_value(v, result.unit) for v in r.values) + " |")
    lines.append(f"| **weighted avg** | {result.total_users:,} | "
                 + " | ".join(format_value(v, result.unit) for v in result.average) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--engines", default="duckdb")
    ap.add_argument("--analyze", action="store_true",
                    help="gather planner statistics after the load (as autovacuum does "
                         "soon after one); without it the first matrices run without any")
    args = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)

    log(f"generating ~{args.events:,} events")
    t0 = time.perf_counter()
    tables = shop_tables(args.events, args.seed)
    n_events = tables["events"].num_rows
    log(f"generated {n_events:,} events, {tables['users'].num_rows:,} users "
        f"in {time.perf_counter() - t0:.1f} s")

    rows: list[dict] = []
    rollup_s: dict[str, float] = {}
    check_s: dict[str, float] = {}
    matrices: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engines: list[tuple[str, Engine]] = []
        server = None
        for name in args.engines.split(","):
            if name == "duckdb":
                engines.append((name, connect(f"duckdb:{tmp}/bench.duckdb")))
            elif name == "postgres":
                from shoplens.testing.postgres import PostgresServer

                server = PostgresServer().start()
                engines.append((name, connect(server.create_database())))
        try:
            for name, engine in engines:
                log(f"{name}: filling")
                t1 = time.perf_counter()
                fill(engine, tables)
                log(f"{name}: filled in {time.perf_counter() - t1:.1f} s")
                # what a load's post-load hook does incrementally, here in one go
                t1 = time.perf_counter()
                rollups.rebuild(engine)
                rollup_s[name] = time.perf_counter() - t1
                log(f"{name}: cohort rollup built in {rollup_s[name]:.2f} s")
                if args.analyze:
                    # the statistics autovacuum gathers a minute after a load
                    engine.execute("ANALYZE")
                t1 = time.perf_counter()
                with engine.transaction():
                    rollups.ensure_fresh(engine)
                check_s[name] = time.perf_counter() - t1
                for label, params in CASES.items():
                    times, legacy, result, cells = time_case(engine, params, args.repeat)
                    rows.append({"engine": name, "case": label,
                                 "median_s": statistics.median(times),
                                 "min_s": min(times), "max_s": max(times),
                                 "legacy_median_s": statistics.median(legacy),
                                 "legacy_differing_cells": compare_with_legacy(result, cells),
                                 "cohorts": len(result.rows)})
                    log(f"{name}: {label}: median {statistics.median(times):.3f} s, legacy "
                        f"{statistics.median(legacy):.3f} s, differing cells "
                        f"{rows[-1]['legacy_differing_cells']}")
                    if name == engines[0][0]:
                        matrices[label] = matrix_markdown(result)
                    if label.startswith("classic"):
                        classic = result
                engine.close()
        finally:
            if server is not None:
                server.stop()

    log("tutorial-style pandas classic")
    events = tables["events"].select(["user_id", "event_type", "event_time"]).to_pandas()
    times = []
    for _ in range(args.repeat):
        t2 = time.perf_counter()
        tutorial = tutorial_classic(events, 12)
        times.append(time.perf_counter() - t2)
    pandas_s = statistics.median(times)
    mismatches = compare_with_tutorial(classic, tutorial)
    sql_classic = next(r["median_s"] for r in rows if r["case"].startswith("classic"))

    load = os.getloadavg()
    md = [f"# Cohort retention on {n_events:,} events", "",
          f"Load average at the end of the run (2 shared cores): {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}. Retention runner (the matrices today) and the dedicated cohort "
          "SQL it replaced (`cohorts_legacy.sql`), alternated in one run, each including "
          "the rollup freshness check. Planner statistics gathered after the load: "
          f"{'yes (--analyze)' if args.analyze else 'no (a fresh load)'}.", "",
          "| engine | matrix | median s | min s | max s | legacy median s | legacy / runner "
          "| cells differing | cohorts |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    md += [f"| {r['engine']} | {r['case']} | {r['median_s']:.3f} | {r['min_s']:.3f} | "
           f"{r['max_s']:.3f} | {r['legacy_median_s']:.3f} | "
           f"{r['legacy_median_s'] / r['median_s']:.2f}x | {r['legacy_differing_cells']} | "
           f"{r['cohorts']} |" for r in rows]
    md += ["", f"pandas tutorial classic: {pandas_s:.3f} s; SQL on DuckDB {sql_classic:.3f} s "
           f"({pandas_s / sql_classic:.1f}x); observable cells differing: {mismatches}", "",
           "One-off cohort rollup build (loads maintain it incrementally): "
           + ", ".join(f"{k} {v:.2f} s" for k, v in rollup_s.items())
           + "; freshness check per matrix (included above): "
           + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in check_s.items()), ""]
    for label, table in matrices.items():
        md += [f"## {label}", "", table, ""]
    text = "\n".join(md)
    print(text)
    (RESULTS / f"cohorts-{args.events}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"cohorts-{args.events}.json").write_text(json.dumps({
        "events": n_events, "rows": rows, "pandas_classic_s": pandas_s,
        "rollup_build_s": rollup_s, "freshness_check_s": check_s,
        "classic_mismatches": mismatches, "load_average": load}, indent=2), encoding="utf-8")
    goal = all(r["median_s"] < 2.0 for r in rows if r["engine"] == "duckdb")
    log(f"goal (< 2 s per full matrix on DuckDB): {'met' if goal else 'MISSED'}; "
        f"tutorial mismatches: {mismatches}")
    legacy_same = all(r["legacy_differing_cells"] == 0 for r in rows)
    log(f"cells equal to the legacy statement: {'yes' if legacy_same else 'NO'}")
    return 0 if goal and mismatches == 0 and legacy_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
