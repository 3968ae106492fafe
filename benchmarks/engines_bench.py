"""The metrics benchmark on DuckDB, Spark and PostgreSQL over the same events, one run.

    .venv/bin/python benchmarks/engines_bench.py --events 10000000 \
        --repeat duckdb=3,spark=1,postgres=1

Writes about ``--events`` synthetic events (:func:`shoplens.metrics.synthetic.write_shop`,
``--days`` days, ``--seed``) into a DuckDB file, exports them with
:func:`shoplens.lake.export.export_lake` (what ``shoplens export --lake`` runs) as the
Parquet lake of ``spark://local[2]?lake=…``, and loads the same writer with the same
seed into a throwaway PostgreSQL server. The three copies must be identical: the run
stops unless ``COUNT(*)``, ``SUM(price)``, ``SUM(quantity)``, the distinct users and the
time span of ``events`` agree on every engine. Then :func:`shoplens.metrics.bench.run_bench`
(what ``shoplens bench --db URL`` runs) times every metric's naive and optimized form on
each engine, one engine after the other (never two at once), and the run writes
``benchmarks/results/engines-<N>.{md,json}``.

Each engine's report is kept in ``--work`` as soon as it is done, so an interrupted run
resumes where it stopped (``--fresh`` starts over); ``--assemble`` only rewrites the
table from the reports already there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from shoplens.engines import Engine, connect
from shoplens.lake.export import ExportParams, export_lake
from shoplens.metrics.bench import BenchParams, BenchReport, run_bench
from shoplens.metrics.synthetic import write_shop

RESULTS = Path(__file__).resolve().parent / "results"
ENGINES = ("duckdb", "spark", "postgres")

# Aliased: PostgreSQL names both sums "sum", and a fetch keyed by name would merge them.
CHECKSUM_SQL = ("SELECT COUNT(*) AS n, SUM(price) AS price, SUM(quantity) AS qty, "
                "COUNT(DISTINCT user_id) AS users, MIN(event_time) AS lo, "
                "MAX(event_time) AS hi FROM events")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def checksum(engine: Engine) -> dict[str, str]:
    """What must be equal on every engine for the data to count as the same."""
    n, price, qty, users, lo, hi = engine.fetch_all(CHECKSUM_SQL)[0]
    return {"events": str(n), "sum_price": f"{price:.4f}", "sum_quantity": str(qty),
            "distinct_users": str(users), "first_event": str(lo), "last_event": str(hi)}


def results(engine: Engine, report: BenchReport, rolling_days: int = 7) -> dict[str, list]:
    """Every metric's rows (optimized form, equal to the naive one per run_bench),
    normalized for comparison across engines: numbers to 6 decimals, times as text."""
    from datetime import timedelta

    from shoplens.metrics.bench import BenchParams, _query
    from shoplens.metrics.queries import rows as query_rows

    del timedelta
    assert report.first_day is not None and report.last_day is not None
    params = BenchParams(rolling_days=rolling_days)
    out = {}
    for r in report.rows:
        query = _query(r.metric, report.first_day, report.last_day, params)
        rows = sorted(query_rows(engine, query, "naive"), key=str)
        out[r.metric] = [[None if v is None else round(float(v), 6)
                          if isinstance(v, int | float | Decimal) else str(v) for v in row]
                         for row in rows]
    return out


def fill(engine: Engine, args: argparse.Namespace) -> None:
    engine.init_schema()
    write_shop(engine, args.events, days=args.days, seed=args.seed)


def prepare(args: argparse.Namespace, work: Path) -> dict[str, str]:
    """The DuckDB file and the lake exported from it (reused when already complete)."""
    done = work / "prepared.json"
    if done.exists():
        return json.loads(done.read_text())["checksum"]
    db = work / "bench.duckdb"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    log(f"writing about {args.events:,} synthetic events into {db}")
    with connect(f"duckdb:{db}") as engine:
        fill(engine, args)
        write_s = time.perf_counter() - t0
        sums = checksum(engine)
        log(f"duckdb: {sums}")
        log(f"exporting the lake to {work / 'lake'}")
        summary = export_lake(engine, ExportParams(lake=work / "lake"))
    log(f"export: {summary.seconds:.1f} s, {summary.partitions} event partitions, "
        f"rows {summary.rows}")
    lake_mb = sum(f.stat().st_size for f in (work / "lake").rglob("*.parquet")) / 1e6
    done.write_text(json.dumps({"checksum": sums, "write_s": round(write_s, 1),
                                "export_s": summary.seconds, "lake_mb": round(lake_mb, 1),
                                "partitions": summary.partitions}, indent=2))
    return sums


def bench_one(name: str, args: argparse.Namespace, work: Path, expected: dict[str, str],
              repeat: int) -> None:
    out = work / f"{name}.json"
    if out.exists():
        log(f"{name}: already done ({out})")
        return
    params = BenchParams(repeat=repeat, plans=work / "plans",
                         metrics=tuple(args.metrics.split(",")) if args.metrics else None)
    say = lambda m: log(f"{name}: {m}")  # noqa: E731
    t0 = time.perf_counter()
    extra: dict[str, Any] = {}
    if name == "duckdb":
        with connect(f"duckdb:{work / 'bench.duckdb'}") as engine:
            sums = checksum(engine)
            report = run_bench(engine, params, progress=say)
            extra["results"] = results(engine, report)
    elif name == "spark":
        from shoplens.engines.spark import stop_spark

        url = f"spark://local[2]?lake={work / 'lake'}&driver_memory={args.spark_memory}"
        extra["url"] = url
        try:
            with connect(url) as engine:
                sums = checksum(engine)
                if sums != expected:
                    raise SystemExit(f"spark: the lake differs from DuckDB: {sums} != {expected}")
                report = run_bench(engine, params, progress=say)
                extra["results"] = results(engine, report)
        finally:
            stop_spark()
    else:
        from shoplens.testing.postgres import PostgresServer

        with PostgresServer() as server, connect(server.create_database()) as engine:
            extra["version"] = engine.scalar("SHOW server_version")
            t_load = time.perf_counter()
            say(f"writing the same events (seed {args.seed})")
            fill(engine, args)
            extra["load_s"] = round(time.perf_counter() - t_load, 1)
            engine.execute("VACUUM (ANALYZE)", native=True)
            sums = checksum(engine)
            if sums != expected:
                raise SystemExit(f"postgres: data differ from DuckDB: {sums} != {expected}")
            report = run_bench(engine, params, progress=say)
            extra["results"] = results(engine, report)
    seconds = time.perf_counter() - t0
    if sums != expected:
        raise SystemExit(f"{name}: data differ from DuckDB: {sums} != {expected}")
    log(f"{name}: done in {seconds:,.0f} s")
    out.write_text(json.dumps({"report": report.model_dump(mode="json"), "checksum": sums,
                               "wall_s": round(seconds, 1), **extra}, indent=2))


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:,.1f} s" if v >= 1000 else f"{v:,.1f} ms"


def assemble(work: Path, events: int) -> str:
    runs = {n: json.loads((work / f"{n}.json").read_text())
            for n in ENGINES if (work / f"{n}.json").exists()}
    reports = {n: BenchReport.model_validate(r["report"]) for n, r in runs.items()}
    prepared = json.loads((work / "prepared.json").read_text())
    names = [n for n in ENGINES if n in reports]
    rows = {n: {r.metric: r for r in reports[n].rows} for n in names}
    metrics = [r.metric for r in next(iter(reports.values())).rows]
    first = next(iter(reports.values()))
    sums = prepared["checksum"]
    head = (f"{int(sums['events']):,} events, {first.first_day} .. {first.last_day}; "
            f"sum(price) {sums['sum_price']}, {int(sums['distinct_users']):,} users — "
            "identical on every engine (count, sum(price), sum(quantity), distinct users and "
            "time span checked). Median of "
            + ", ".join(f"{n} {reports[n].repeat}" for n in names)
            + " timed run(s) after a warm-up run. Spark: `local[2]` over the lake "
            f"exported from DuckDB ({prepared['lake_mb']:.0f} MB of Parquet, "
            f"{prepared['partitions']} day partitions).\n\n")
    cols = []
    for n in names:
        cols += [f"{n} naive", f"{n} opt"]
    cols += ["rows equal"]
    if "spark" in names and "duckdb" in names:
        cols += ["Spark ÷ DuckDB naive", "Spark ÷ DuckDB opt"]
    across = {m: len({json.dumps(runs[n].get("results", {}).get(m)) for n in names}) == 1
              for m in metrics}
    lines = ["| metric | " + " | ".join(cols) + " |",
             "|---|" + "---:|" * (2 * len(names)) + "---|"
             + ("---:|---:|" if "spark" in names and "duckdb" in names else "")]
    for m in metrics:
        cells = []
        for n in names:
            r = rows[n].get(m)
            cells += [_ms(r.naive_ms if r else None), _ms(r.optimized_ms if r else None)]
        cells.append("yes" if across[m] and all(rows[n][m].rows_equal for n in names
                                                if m in rows[n]) else "NO")
        if "spark" in names and "duckdb" in names:
            s, d = rows["spark"][m], rows["duckdb"][m]
            cells += [f"{s.naive_ms / d.naive_ms:,.0f}×", f"{s.optimized_ms / d.optimized_ms:,.0f}×"]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", "| cost | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]

    def row(label: str, fn: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(n) for n in names) + " |")

    row("rollups full build", lambda n: _ms(reports[n].cost.rollups_ms))
    row("rollup rows", lambda n: f"{reports[n].cost.rollup_rows:,}")
    row("incremental refresh of one new day",
        lambda n: _ms(reports[n].cost.refresh_one_day_ms))
    row("events in that day", lambda n: f"{reports[n].cost.one_day_events:,}")
    row("load of the events", lambda n: (f"{prepared['write_s']:,.0f} s" if n == "duckdb"
                                         else f"{prepared['export_s']:,.0f} s (export)"
                                         if n == "spark" else f"{runs[n].get('load_s', 0):,.0f} s"))
    row("whole engine run (bench)", lambda n: f"{runs[n]['wall_s']:,.0f} s")
    differ = ", ".join(m for m, ok in across.items() if not ok)
    within = all(r.rows_equal for rep in reports.values() for r in rep.rows)
    per_row = [f"\n`rows equal`: the naive and optimized rows are equal on every engine "
               f"(run_bench) and the rows of each metric are equal across the engines "
               f"(numbers compared to 6 decimals). Within engines: {'yes' if within else 'NO'}; "
               f"across engines: {'NO: ' + differ if differ else 'yes'}."]
    text = head + "\n".join(lines) + "\n" + "\n".join(per_row) + "\n"
    (RESULTS / f"engines-{events}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"engines-{events}.json").write_text(json.dumps(
        {"prepared": prepared, "runs": runs}, indent=2), encoding="utf-8")
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=182)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", default="duckdb=3,spark=1,postgres=1",
                    help="timed runs per engine, e.g. duckdb=3,spark=1,postgres=1")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--spark-memory", default="4g")
    ap.add_argument("--metrics", default=None, help="only these metrics (comma-separated)")
    ap.add_argument("--work", type=Path, default=None,
                    help="working folder (default /tmp/shoplens-engines-<N>)")
    ap.add_argument("--fresh", action="store_true", help="discard earlier partial results")
    ap.add_argument("--assemble", action="store_true", help="only rewrite the table")
    args = ap.parse_args()
    work = args.work or Path(os.environ.get("TMPDIR", "/tmp"), f"shoplens-engines-{args.events}")
    if args.fresh and work.exists():
        import shutil

        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    repeat = {k: int(v) for k, v in (p.split("=") for p in args.repeat.split(","))}
    if not args.assemble:
        expected = prepare(args, work)
        for name in args.engines.split(","):
            log(f"{name}: start")
            bench_one(name, args, work, expected, repeat.get(name, 1))
    print(assemble(work, args.events))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
