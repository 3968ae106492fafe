"""Generator throughput: ~10 million events, written as CSV and as Parquet, one run.

    .venv/bin/python benchmarks/generate_throughput.py --events 10000000

1. ``shoplens.generate.generate`` end to end into a temporary folder in the platform-csv
   layout — the number the goal is about (issue 3: 10 million events in under 60 s);
2. ``generate_tables`` alone (in memory, no files), to show the split between drawing
   the shop and writing it;
3. the same tables written as Parquet.

Prints events/s and wall times side by side plus the peak resident memory, and writes
``benchmarks/results/generate-<N>.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from shoplens.generate import GenerateParams, generate, generate_tables
from shoplens.generate.writer import write_shop

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_SECONDS = 60.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    params = GenerateParams(events=args.events, months=args.months, seed=args.seed)

    rows = []
    with tempfile.TemporaryDirectory(prefix="shoplens-gen-bench-") as tmp:
        csv_dir, pq_dir = Path(tmp) / "csv", Path(tmp) / "parquet"
        log(f"generate() -> CSV, target {args.events:,} events")
        t = time.perf_counter()
        summary = generate(params, csv_dir)
        csv_total = time.perf_counter() - t
        rows.append(("generate() to CSV/JSONL (end to end)", csv_total, folder_bytes(csv_dir)))

        log("generate_tables() in memory")
        t = time.perf_counter()
        data = generate_tables(params)
        gen = time.perf_counter() - t
        rows.append(("generate_tables() (in memory, no files)", gen, 0))

        log("write Parquet")
        t = time.perf_counter()
        write_shop(data, pq_dir, parquet=True)
        pq_write = time.perf_counter() - t
        rows.append(("write Parquet (from the tables)", pq_write, folder_bytes(pq_dir)))
        rows.append(("generate + Parquet (sum)", gen + pq_write, folder_bytes(pq_dir)))

    events = summary.events
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Generator throughput: {events:,} events, {summary.users:,} users, "
        f"{summary.sessions:,} sessions, {summary.searches:,} searches, "
        f"{args.months} months, seed {args.seed}",
        "",
        "| step | wall s | events/s | files MiB |",
        "|---|---:|---:|---:|",
    ]
    for label, secs, size in rows:
        lines.append(f"| {label} | {secs:,.1f} | {events / secs:,.0f} | "
                     f"{size / 2**20:,.0f} |" if size else
                     f"| {label} | {secs:,.1f} | {events / secs:,.0f} | - |")
    verdict = "MET" if csv_total < GOAL_SECONDS * events / 10_000_000 else "MISSED"
    lines += ["", f"peak resident memory: {peak_mib:,.0f} MiB",
              f"goal (10M events < {GOAL_SECONDS:.0f} s end to end, scaled to "
              f"{events:,}): {verdict} — {csv_total:.1f} s"]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"generate-{args.events}"
    stem.with_suffix(".md").write_text(text + "\n")
    stem.with_suffix(".json").write_text(json.dumps({
        "events": events, "users": summary.users, "sessions": summary.sessions,
        "searches": summary.searches, "months": args.months, "seed": args.seed,
        "steps": [{"step": label, "seconds": round(secs, 3), "events_per_second": round(events / secs),
                   "bytes": size} for label, secs, size in rows],
        "peak_rss_mib": round(peak_mib), "goal_seconds": GOAL_SECONDS, "goal": verdict,
    }, indent=2) + "\n")
    return 0 if verdict == "MET" else 1


if __name__ == "__main__":
    raise SystemExit(main())
