"""Funnels and paths at scale, side by side with the textbook self-join funnel.

A 5-step ordered funnel with a per-step window (home -> product -> cart -> payment ->
purchase, each step within 1 day of the previous one, all within 14 days) through
:func:`shoplens.insights.funnels.run_funnel` (one window pass per step over two layers'
rows) against the same funnel written as chained self-joins of the events (every chain
enumerated, then ``COUNT(DISTINCT user)`` per step). Both must return identical counts;
the run stops if they do not. Then 5-step event paths (:func:`run_paths`). Where the
engine fetches many rows in bulk (``Engine.bulk_arrow``: DuckDB, PostgreSQL) funnels and
paths run as one fetch and a NumPy walk; their portable SQL forms run beside them,
alternately, and must agree too; each form's median wall and CPU seconds are printed (CPU: this
process, plus on PostgreSQL the server process of the connection).

    .venv/bin/python benchmarks/funnels_bench.py --events 2000000 --engines duckdb,postgres

Writes ``benchmarks/results/funnels-<N>.{json,md}``. The events are generated here
with NumPy (users with bursts of activity; 8 event names), identical on every engine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

RESULTS = Path(__file__).resolve().parent / "results"
NAMES = ("home", "listing", "product", "cart", "payment", "purchase", "search", "account")
WEIGHTS = (0.2, 0.15, 0.25, 0.12, 0.05, 0.04, 0.12, 0.07)
STEPS = ("home", "product", "cart", "payment", "purchase")
STEP_WINDOW = "1d"
WINDOW = "14d"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cpu() -> float:
    """CPU seconds of this process (user + system): the in-process engine's work."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local PostgreSQL server process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def side_by_side(forms: dict, repeat: int, used=cpu) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    """Run the forms alternately ``repeat`` times: per form the median wall and CPU
    seconds (``used``: of this process by default, so meaningful for in-process engines)
    and its result."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in forms}
    out: dict[str, object] = {}
    for _ in range(repeat):
        for name, fn in forms.items():
            t, c = time.perf_counter(), used()
            out[name] = fn()
            runs[name].append((time.perf_counter() - t, used() - c))
            log(f"  {name}: {runs[name][-1][0]:.2f} s wall, {runs[name][-1][1]:.2f} CPU-s "
                f"(load {os.getloadavg()[0]:.1f})")
    return {name: {"wall_s": round(statistics.median(w for w, _ in r), 3),
                   "cpu_s": round(statistics.median(c for _, c in r), 3), "result": out[name]}
            for name, r in runs.items()}


def events(n: int, seed: int) -> pa.Table:
    """``n`` events of ``n // 40`` users (log-normal activity) over 180 days: each user a
    base day and events spread after it (exponential, mean 2 days), in time order."""
    rng = np.random.default_rng(seed)
    n_users = max(1, n // 40)
    weight = rng.lognormal(0.0, 0.8, n_users)  # some users far busier than others
    uid = rng.choice(n_users, n, p=weight / weight.sum())
    base = rng.integers(0, 170 * 86400, n_users)
    t0 = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    ts = (t0 + base[uid] + rng.exponential(2 * 86400, n).astype(np.int64)) * 1_000_000
    ts += rng.integers(0, 1_000_000, n)
    order = np.argsort(ts, kind="stable")
    names = np.array(NAMES)[rng.choice(len(NAMES), n, p=WEIGHTS)]
    return pa.table({
        "event_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "user_id": pa.array(np.char.add("u", uid[order].astype(str))),
        "session_id": pa.nulls(n, pa.string()),
        "raw_event": pa.array(names[order]),
        "event_time": pa.array(ts[order].astype("datetime64[us]")),
        "quantity": pa.array(np.ones(n, dtype=np.int32)),
    })


def cached_events(n: int, seed: int, cache: Path | None) -> pa.Table:
    """The generated events, kept as Parquet in ``cache`` (generated once)."""
    import pyarrow.parquet as pq

    if cache is None:
        return events(n, seed)
    path = cache / f"events-{n}-{seed}.parquet"
    if path.exists():
        return pq.read_table(path)
    cache.mkdir(parents=True, exist_ok=True)
    data = events(n, seed)
    pq.write_table(data, path.with_suffix(".part"))
    path.with_suffix(".part").replace(path)
    return data


def naive_sql() -> str:
    """The textbook form: chained self-joins, every chain, distinct users per step."""
    day, window = 86400, 14 * 86400
    parts = ["SELECT " + ", ".join(f"COUNT(DISTINCT e{i}.user_id) AS c{i}"
                                   for i in range(len(STEPS))), "FROM events AS e0"]
    for i in range(1, len(STEPS)):
        parts.append(
            f"LEFT JOIN events AS e{i} ON e{i}.user_id = e{i - 1}.user_id "
            f"AND e{i}.raw_event = :s{i} AND e{i}.event_time > e{i - 1}.event_time "
            f"AND e{i}.event_time <= e{i - 1}.event_time + INTERVAL '{day} seconds' "
            f"AND e{i}.event_time <= e0.event_time + INTERVAL '{window} seconds'")
    parts.append("WHERE e0.raw_event = :s0")
    return "\n".join(parts)


def sql_funnel(engine, query) -> list[int]:  # type: ignore[no-untyped-def]
    """The funnel's counts through its SQL form, whatever the engine offers."""
    from shoplens.insights.funnels.runner import prepare, render

    variant, _ = prepare(engine, query)
    df = engine.fetch_df(render(variant, variant.steps_query()), variant.ctx.params or None)
    return [int(df[f"c{s}"].sum()) for s in range(variant.ctx.n)]


def path_counts(result) -> dict[tuple[str, ...], int]:  # type: ignore[no-untyped-def]
    """Sessions per path, every path (the payload keeps the top ones)."""
    return {tuple(p["path"]): p["count"] for p in result.payload["paths"]} | {
        ("(other)",): result.payload["other"]["count"]}


def sql_paths(engine, q) -> dict[tuple[str, ...], int]:  # type: ignore[no-untyped-def]
    """:func:`path_counts` through the SQL form of paths."""
    from shoplens.insights.paths.query import PathsContext, paths_query
    from shoplens.insights.paths.runner import assemble
    from shoplens.insights.properties import Catalogue

    ctx = PathsContext(q, Catalogue(engine))
    df = engine.fetch_df(paths_query(ctx).sql("postgres"), ctx.params or None)
    payload = assemble(df, q)
    return {tuple(p["path"]): p["count"] for p in payload["paths"]} | {
        ("(other)",): payload["other"]["count"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--engines", default="duckdb")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-naive", default="",
                    help="engines not to run the self-join on (it takes many minutes on Spark)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="folder keeping the generated events (events-<N>.parquet), the "
                         "DuckDB database and the PostgreSQL cluster between runs (generated "
                         "once, reused after)")
    args = ap.parse_args()

    from shoplens.engines import Query, connect
    from shoplens.insights.funnels import run_funnel
    from shoplens.insights.paths import run_paths
    from shoplens.insights.schema import FunnelsQuery, PathsQuery

    data = cached_events(args.events, args.seed, args.cache)
    query = FunnelsQuery(steps=[{"event": STEPS[0]}] + [
        {"event": s, "window": STEP_WINDOW} for s in STEPS[1:]], window=WINDOW)
    paths = PathsQuery(steps=5, top_n=20)
    naive = Query(naive_sql(), name="funnels/naive")
    binds = {f"s{i}": s for i, s in enumerate(STEPS)}
    results: dict[str, object] = {"events": args.events, "steps": list(STEPS),
                                  "load_average_at_start": round(os.getloadavg()[0], 1),
                                  "step_window": STEP_WINDOW, "window": WINDOW, "engines": {}}
    tmp = args.cache or Path(tempfile.mkdtemp(prefix="shoplens-funnels-bench-"))
    servers = []
    try:
        for name in args.engines.split(","):
            if name == "postgres":
                from shoplens.testing.postgres import PostgresServer

                if args.cache:  # the loaded cluster is kept in the cache folder
                    server = PostgresServer(datadir=tmp / f"pg-{args.events}-{args.seed}",
                                            keep=True)
                    server.datadir.mkdir(parents=True, exist_ok=True)
                    server.start()
                    url = server.url
                else:
                    server = PostgresServer().start()
                    url = server.create_database()
                servers.append(server)
            elif name == "spark":  # local[2], a Parquet lake kept in the cache folder
                url = (f"spark://local[2]?lake={tmp / f'lake-{args.events}-{args.seed}'}"
                       "&shuffle_partitions=4")
            else:
                url = f"duckdb:{tmp / f'bench-{args.events}-{args.seed}.duckdb'}"
            engine = connect(url)
            have = engine.scalar("SELECT COUNT(*) FROM events")
            if have != args.events:
                log(f"{name}: loading {args.events:,} events")
                if have:
                    engine.execute("DELETE FROM events")
                engine.append_arrow("events", data)
                engine.gather_statistics(["events"])
            used = cpu
            if name == "postgres":  # the server's process too (parallel workers not counted)
                pid = int(engine.scalar("SELECT pg_backend_pid()"))
                used = lambda: cpu() + backend_cpu(pid)  # noqa: B023, E731
            forms = {"funnel": lambda: [s["count"] for s in run_funnel(
                engine, query).payload["steps"]]}  # noqa: B023
            if engine.bulk_arrow:  # the walk runs: time the SQL form beside it
                forms["funnel_sql"] = lambda: sql_funnel(engine, query)  # noqa: B023
            fun = side_by_side(forms, args.repeat, used)
            t_f, counts = fun["funnel"]["wall_s"], fun["funnel"]["result"]
            if "funnel_sql" in fun and fun["funnel_sql"]["result"] != counts:
                raise SystemExit(f"{name}: counts differ: walk {counts}, "
                                 f"SQL {fun['funnel_sql']['result']}")
            log(f"{name}: funnel {t_f:.2f} s {counts} (load {os.getloadavg()[0]:.1f})")
            t_n = None
            if name not in args.skip_naive.split(","):
                t_n, rows = timed(lambda: engine.fetch_all(naive, binds), 1)  # noqa: B023
                naive_counts = [int(v) for v in rows[0]]  # type: ignore[index]
                if naive_counts != counts:
                    raise SystemExit(f"{name}: counts differ: funnel {counts}, naive {naive_counts}")
                log(f"{name}: naive {t_n:.2f} s (x{t_n / t_f:.1f})")
            forms = {"paths": lambda: path_counts(run_paths(engine, paths))}  # noqa: B023
            if engine.bulk_arrow:
                forms["paths_sql"] = lambda: sql_paths(engine, paths)  # noqa: B023
            pat = side_by_side(forms, args.repeat, used)
            t_p, psessions = pat["paths"]["wall_s"], pat["paths"]["result"]
            if "paths_sql" in pat and pat["paths_sql"]["result"] != psessions:
                raise SystemExit(f"{name}: paths differ between the walk and the SQL")
            log(f"{name}: paths {t_p:.2f} s (load {os.getloadavg()[0]:.1f})")
            results["engines"][name] = {  # type: ignore[index]
                "funnel_s": round(t_f, 3), "naive_s": None if t_n is None else round(t_n, 3),
                "ratio": None if t_n is None else round(t_n / t_f, 1), "counts": counts,
                "counts_equal": t_n is not None, "load_average_after": round(os.getloadavg()[0], 1),
                "paths_s": round(t_p, 3), "paths_sessions": sum(psessions.values()),
                "distinct_paths": len(psessions),
                "forms": {f: {"wall_s": r["wall_s"], "cpu_s": r["cpu_s"]}
                          for f, r in {**fun, **pat}.items()}}
            engine.close()
    finally:
        for server in servers:
            server.stop()
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"funnels-{args.events}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [f"# Funnels bench: {args.events:,} events", "",
             f"5-step ordered funnel {' > '.join(STEPS)}, each step within {STEP_WINDOW} of "
             f"the previous, all within {WINDOW}; median of {args.repeat} alternated runs "
             f"(naive: one run); "
             f"2-core machine, load average {results['load_average_at_start']} at the start.",
             "", "| engine | funnel (s) | naive self-join (s) | ratio | counts equal | "
             "paths, 5 steps (s) |", "| --- | ---: | ---: | ---: | --- | ---: |"]
    for name, r in results["engines"].items():  # type: ignore[union-attr]
        naive_s, ratio = (r["naive_s"], f"x{r['ratio']}") if r["naive_s"] else ("—", "—")
        same = "yes" if r["counts_equal"] else "not run"
        lines.append(f"| {name} | {r['funnel_s']} | {naive_s} | {ratio} | {same} "
                     f"({', '.join(map(str, r['counts']))}) | {r['paths_s']} |")
    lines += ["", "Each form, median of the alternated runs (CPU: seconds of the benchmark's "
              "process, the engine's work where it runs in-process, plus on PostgreSQL its "
              "server process; `_sql`: the portable SQL form where the walk runs):", "",
              "| engine | form | wall (s) | CPU (s) |",
              "| --- | --- | ---: | ---: |"]
    for name, r in results["engines"].items():  # type: ignore[union-attr]
        for form, f in r["forms"].items():
            lines.append(f"| {name} | {form} | {f['wall_s']} | {f['cpu_s']} |")
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
