"""Load throughput: a REES46-style CSV of N rows (default 10 million) into DuckDB and into a
throwaway PostgreSQL, side by side with each engine's bare bulk load of the same file and
with a declared mapping of the same file (bring your own data).

    .venv/bin/python benchmarks/load_throughput.py [--rows 10000000] [--keep DIR]

Each load runs in its own subprocess, so its peak memory (ru_maxrss) is the load's own.
``shoplens load`` parses, validates (times, numbers, vocabulary, missing ids), hashes row
ids, drops duplicates, maintains users/products/sessions and writes through the engine's
bulk path; the bare baseline only copies text into a table (DuckDB ``read_csv``,
PostgreSQL ``COPY``). The mapped load reads the same file through a declared events
mapping (:data:`MAPPING`) instead of the built-in REES46 layout: the ratio "mapped vs
built-in" is what bringing your own data costs (goal: <= 1.5x). The post-load hooks
other capabilities register (rollups) are timed separately and reported apart from the importer's own time.

Goals (issue 15): ``shoplens load`` <= 1.5x the bare copy's seconds on both engines at
10M rows, peak memory < 2 GiB; the mapped load <= 1.5x the built-in one. Beside the wall
times the table gives the CPU seconds of the load (client process and, on PostgreSQL, the
server backend): on a shared two-core machine the wall ratio swings with the other work,
the CPU ratio much less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: ``shoplens load`` against the bare copy of the same file, in the same run (issue 15)
RATIO_GOAL = 1.5
#: what the bare copy does (and does not), stated with every result
BARE_NOTE = (
    "The bare copy is each engine's own bulk load of the file's text into a table of text "
    "columns: DuckDB `CREATE TABLE bare AS SELECT * FROM read_csv(file, all_varchar = true)`, "
    "PostgreSQL `COPY bare FROM STDIN (FORMAT csv)` fed 1 MiB chunks by psycopg. It parses "
    "no time or number, checks nothing, hashes no id, keeps no duplicate check and builds no "
    "users, products, sessions or orders. `shoplens load` does all of that, in one "
    "transaction, with the quarantine. CPU s: client = the loading process (every thread); "
    "server = the PostgreSQL backend of the load's connection (from /proc).")
#: the REES46 columns as a user would map them (``--map`` or ``--mapping``)
MAPPING = {"format": "events", "fields": {
    "user_id": "user_id", "event": "event_type", "event_time": "event_time",
    "session_id": "user_session", "product_id": "product_id", "price": "price",
    "category": "category_code", "brand": "brand"}}
#: mapped load vs the built-in format's (issue 15)
MAPPED_GOAL = 1.5
MODES = ("bare", "shoplens", "mapped")
LABELS = {"bare": "bare copy", "shoplens": "shoplens load (built-in REES46)",
          "mapped": "shoplens load --mapping"}

GENERATE_SQL = """
COPY (
  WITH r AS (SELECT i, i // 8 AS s, CAST(hash(i // 8) >> 1 AS BIGINT) AS hs,
                    CAST(hash(i) >> 1 AS BIGINT) AS h FROM range({n}) t(i))
  SELECT strftime(TIMESTAMP '2019-10-01' + to_seconds((i * 2678400) // {n}),
                  '%Y-%m-%d %H:%M:%S') || ' UTC' AS event_time,
         CASE WHEN h % 100 < 94 THEN 'view' WHEN h % 100 < 98 THEN 'cart'
              WHEN h % 100 < 99 THEN 'remove_from_cart' ELSE 'purchase' END AS event_type,
         CAST(1000000 + (h >> 8) % 200000 AS VARCHAR) AS product_id,
         CAST(2053013552326770905 + ((h >> 8) % 200000) % 600 AS VARCHAR) AS category_id,
         CASE WHEN (h >> 20) % 3 = 0 THEN NULL ELSE
           ['electronics.smartphone', 'computers.notebook', 'apparel.shoes',
            'furniture.living_room.sofa', 'appliances.kitchen.refrigerators']
           [1 + ((h >> 8) % 200000) % 5] END AS category_code,
         CASE WHEN (h >> 24) % 7 = 0 THEN NULL ELSE
           ['samsung', 'apple', 'xiaomi', 'lenovo', 'shiseido', 'aqua'][1 + ((h >> 8) % 200000) % 6]
           END AS brand,
         printf('%.2f', ((h >> 30) % 100000) / 100.0) AS price,
         CAST(500000000 + (hs % 3000000) AS VARCHAR) AS user_id,
         substr(md5(CAST(s AS VARCHAR)), 1, 8) || '-' || substr(md5(CAST(s AS VARCHAR)), 9, 4)
           || '-' || substr(md5(CAST(s AS VARCHAR)), 13, 4) || '-'
           || substr(md5(CAST(s AS VARCHAR)), 17, 4) || '-'
           || substr(md5(CAST(s AS VARCHAR)), 21, 12) AS user_session
  FROM r ORDER BY i
) TO '{out}' (HEADER, DELIMITER ',')
"""


def generate(n: int, out: Path) -> float:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(GENERATE_SQL.format(n=int(n), out=str(out).replace("'", "''")))
    con.close()
    return time.perf_counter() - t0


# -- the measured work, each in a fresh subprocess -------------------------------------
def peak_mib() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it does not inherit
    the parent's peak across fork/exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process (every thread: DuckDB's, the writer's)
    or of another process of this machine (a PostgreSQL backend), from /proc."""
    if pid is None:
        import resource

        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(mode: str, url: str, csv: str, hooks: bool) -> None:
    from shoplens.engines import connect

    result: dict[str, float] = {}
    cpu0 = cpu_seconds()
    if mode in ("shoplens", "mapped"):
        import shoplens.ingest.loader as loader
        from shoplens.ingest import load
        from shoplens.ingest.mapping import mapping_from_dict

        hook_time = 0.0
        run_hooks = loader.run_post_load

        def timed_hooks(engine, scope):  # type: ignore[no-untyped-def]
            nonlocal hook_time
            t = time.perf_counter()
            run_hooks(engine, scope)
            hook_time += time.perf_counter() - t

        if not hooks:
            import shoplens.ingest.hooks as hook_registry

            hook_registry.POST_LOAD_HOOKS.clear()
        loader.run_post_load = timed_hooks  # type: ignore[assignment]
        # DuckDB's buffer pool defaults to 80% of RAM; cap it so peak memory means something
        engine = connect(url, memory_limit="768MB") if url.startswith("duckdb") else connect(url)
        backend = getattr(getattr(engine, "conn", None), "info", None)
        backend_pid = backend.backend_pid if backend is not None else None
        server0 = cpu_seconds(backend_pid) if backend_pid else 0.0
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        mapping = mapping_from_dict(MAPPING, "benchmark") if mode == "mapped" else None
        report = load(engine, [csv], mapping=mapping)
        total = time.perf_counter() - t0
        result.update(seconds=total - hook_time, hooks=hook_time, rows=report.rows_loaded,
                      quarantined=report.rows_quarantined, client_cpu=cpu_seconds() - cpu0,
                      server_cpu=cpu_seconds(backend_pid) - server0 if backend_pid else 0.0)
        engine.close()
    elif url.startswith("duckdb"):
        import duckdb

        from shoplens.engines import duckdb_path

        con = duckdb.connect(duckdb_path(url))
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        con.execute("CREATE TABLE bare AS SELECT * FROM read_csv($p, all_varchar = true)",
                    {"p": csv})
        result.update(seconds=time.perf_counter() - t0, client_cpu=cpu_seconds() - cpu0,
                      server_cpu=0.0,
                      rows=con.execute("SELECT count(*) FROM bare").fetchall()[0][0])
        con.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bare (event_time text, event_type text, product_id text, "
                         "category_id text, category_code text, brand text, price text, "
                         "user_id text, user_session text)")
            pid = conn.info.backend_pid
            server0, cpu0 = cpu_seconds(pid), cpu_seconds()
            t0 = time.perf_counter()
            with conn.cursor() as cur, cur.copy(
                    "COPY bare FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                    open(csv, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            result.update(seconds=time.perf_counter() - t0, client_cpu=cpu_seconds() - cpu0,
                          server_cpu=cpu_seconds(pid) - server0,
                          rows=conn.execute("SELECT count(*) FROM bare").fetchone()[0])  # type: ignore[index]
    result["peak_mib"] = peak_mib()
    print(json.dumps(result))


def run_worker(mode: str, url: str, csv: Path, hooks: bool) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--worker", mode, url, str(csv),
                           "hooks" if hooks else "no-hooks"],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{mode} load into {url.split(':')[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--keep", type=Path, default=None, help="folder for the CSV (kept)")
    ap.add_argument("--with-hooks", action="store_true",
                    help="also run (and time) the post-load hooks other capabilities register")
    ap.add_argument("--worker", nargs=4, metavar=("MODE", "URL", "CSV", "HOOKS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        mode, url, csv_path, hooks = args.worker
        worker(mode, url, csv_path, hooks == "hooks")
        return

    from rich.console import Console
    from rich.table import Table

    from shoplens.testing.postgres import PostgresServer

    console = Console(width=170)
    tmp = tempfile.TemporaryDirectory(prefix="shoplens-bench-")
    folder = args.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"rees46_{args.rows}.csv"
    if not csv.exists():
        console.print(f"generating {args.rows:,} REES46-style rows ...")
        secs = generate(args.rows, csv)
        console.print(f"  {csv.stat().st_size / 2**20:,.0f} MiB in {secs:.1f} s")
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    console.print(f"load average before the loads: {load_before} ({os.cpu_count()} cores)")
    server = PostgresServer().start()
    results: dict[tuple[str, str], dict[str, float]] = {}
    try:
        for engine in ("duckdb", "postgres"):
            for mode in MODES:
                if engine == "duckdb":
                    db = folder / f"{mode}.duckdb"
                    for p in (db, Path(f"{db}.wal")):
                        p.unlink(missing_ok=True)
                    url = f"duckdb:{db}"
                else:
                    url = server.create_database()
                console.print(f"{engine}: {mode} load ...")
                results[(engine, mode)] = run_worker(mode, url, csv, args.with_hooks)
                if engine == "postgres":
                    server.drop_database(url)
    finally:
        server.stop()
        tmp.cleanup() if args.keep is None else None

    table = Table(title=f"load throughput, {args.rows:,} REES46-style rows, {os.cpu_count()} cores")
    for col in HEADERS:
        table.add_column(col, justify="left" if col in ("engine", "load", "goal") else "right")
    for row in rows_of(args.rows, results):
        table.add_row(*row)
    console.print(table)
    if not args.with_hooks:
        console.print("post-load hooks were not run (--with-hooks runs and times them)")
    load_avg = (f"before {load_before}; after "
                + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    console.print(f"load average during the run: {load_avg}")
    write_results(args.rows, results, load_avg, args.with_hooks)


#: the columns of the printed table and of load-<rows>.md
HEADERS = ("engine", "load", "seconds", "rows/s", "vs bare", "vs built-in", "CPU s (client + server)",
           "CPU vs bare", "peak MiB", "goal")


def rows_of(rows: int, results: dict[tuple[str, str], dict[str, float]]) -> list[list[str]]:
    """One row of text per (engine, load), in :data:`HEADERS` order."""
    out = []
    for (engine, mode), r in results.items():
        bare = results[(engine, "bare")]
        built_in = results[(engine, "shoplens")]
        ratio = r["seconds"] / bare["seconds"]
        cpu = r.get("client_cpu", 0.0) + r.get("server_cpu", 0.0)
        bare_cpu = bare.get("client_cpu", 0.0) + bare.get("server_cpu", 0.0)
        goal = ""
        if mode != "bare":
            ok_mem = r["peak_mib"] < 2048
            goal = (f"{'met' if ratio <= RATIO_GOAL else 'missed'} <= {RATIO_GOAL}x the bare "
                    f"copy; {'met' if ok_mem else 'missed'} < 2 GiB")
        if mode == "mapped":
            mapped = r["seconds"] / built_in["seconds"]
            goal += (f"; {'met' if mapped <= MAPPED_GOAL else 'missed'} <= {MAPPED_GOAL}x the "
                     "built-in load")
        out.append([engine, LABELS[mode], f"{r['seconds']:.1f}", f"{rows / r['seconds']:,.0f}",
                    f"{ratio:.2f}x",
                    f"{r['seconds'] / built_in['seconds']:.2f}x" if mode != "bare" else "",
                    f"{cpu:.1f} ({r.get('client_cpu', 0.0):.1f} + {r.get('server_cpu', 0.0):.1f})",
                    f"{cpu / bare_cpu:.2f}x" if bare_cpu else "", f"{r['peak_mib']:,.0f}", goal])
    return out


def write_results(rows: int, results: dict[tuple[str, str], dict[str, float]], load_avg: str,
                  hooks: bool) -> None:
    """benchmarks/results/load-<rows>.{json,md}, like the other benchmarks."""
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    doc = {"rows": rows, "cores": os.cpu_count(), "load_average": load_avg, "hooks": hooks,
           "runs": [{"engine": e, "load": m, **r} for (e, m), r in results.items()]}
    (out / f"load-{rows}.json").write_text(json.dumps(doc, indent=2) + "\n")
    lines = [f"Load throughput: {rows:,} REES46-style rows, {os.cpu_count()} cores "
             f"(load average {load_avg})", "", BARE_NOTE, "",
             "| " + " | ".join(HEADERS) + " |",
             "|---|---|" + "---:|" * (len(HEADERS) - 3) + "---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows_of(rows, results)]
    (out / f"load-{rows}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
