"""Event analysis at scale: every behaviour pattern on a generated shop, with the staged
events materialised once (what ``patterns()`` does) side by side with computing them
inside every query, on DuckDB and (``--engines duckdb,postgres``) PostgreSQL; plus the
taxonomy's throughput on names no rule knows.

    .venv/bin/python benchmarks/events_bench.py --events 1000000 --engines duckdb,postgres

Writes ``benchmarks/results/events-<N>.{json,md}``. Both forms must return the same
document; the run stops if they do not.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--engines", default="duckdb")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()

    from shoplens.engines import connect
    from shoplens.events.funnel import funnel
    from shoplens.events.patterns import PatternParams, patterns
    from shoplens.events.queries import Staged
    from shoplens.events.taxonomy import categorize, classify_names
    from shoplens.generate import GenerateParams, generate
    from shoplens.ingest import load

    tmp = Path(tempfile.mkdtemp(prefix="shoplens-events-bench-"))
    log(f"generating ~{args.events:,} events")
    generate(GenerateParams(events=args.events, seed=args.seed, months=6), tmp / "shop")
    results: dict[str, object] = {"events_target": args.events, "engines": {}}
    servers = []
    try:
        for name in args.engines.split(","):
            if name == "postgres":
                from shoplens.testing.postgres import PostgresServer

                server = PostgresServer().start()
                servers.append(server)
                url = server.create_database()
            else:
                url = f"duckdb:{tmp / 'bench.duckdb'}"
            engine = connect(url)
            log(f"{name}: loading")
            load(engine, [tmp / "shop"])
            n = int(engine.scalar("SELECT COUNT(*) AS n FROM events"))
            categorize(engine)
            params = PatternParams()
            log(f"{name}: {n:,} events; patterns, materialised")
            t_mat, doc_mat = timed(lambda: patterns(engine, params), args.repeat)  # noqa: B023
            log(f"{name}: patterns, inline")
            t_inl, doc_inl = timed(
                lambda: patterns(engine, params, Staged(params.bind())), args.repeat)  # noqa: B023
            if doc_mat != doc_inl:
                raise SystemExit(f"{name}: materialised and inline patterns differ")
            t_fun, _ = timed(lambda: funnel(engine, params), args.repeat)  # noqa: B023
            results["engines"][name] = {  # type: ignore[index]
                "events": n, "patterns_materialised_s": round(t_mat, 3),
                "patterns_inline_s": round(t_inl, 3), "speedup": round(t_inl / t_mat, 2),
                "funnel_s": round(t_fun, 3)}
            log(f"{name}: materialised {t_mat:.2f} s, inline {t_inl:.2f} s, "
                f"x{t_inl / t_mat:.1f}; funnel {t_fun:.2f} s")
            engine.close()
    finally:
        for s in servers:
            s.stop()

    # taxonomy throughput on names no rule table lists (embedding layer, offline)
    parts = ["hero", "tile", "swatch", "carousel", "badge", "tooltip", "drawer", "sticky"]
    verbs = ["tap", "swipe", "hover", "expand", "dismiss", "impression", "shown", "scrolled"]
    names = [f"{p}_{v}_{i}" for i in range(8) for p in parts for v in verbs]
    t0 = time.perf_counter()
    classify_names(names[:1])  # loads the model once
    t_load = time.perf_counter() - t0
    t_cls, _ = timed(lambda: classify_names(names), 1)
    results["taxonomy"] = {"names": len(names), "model_load_s": round(t_load, 2),
                           "classify_s": round(t_cls, 2),
                           "names_per_s": round(len(names) / t_cls, 1)}
    log(f"taxonomy: {len(names)} names in {t_cls:.2f} s (model load {t_load:.2f} s)")

    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"events-{args.events}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [f"# Event patterns on ~{args.events:,} generated events", "",
             "| engine | events | patterns, staged once (s) | patterns, staged per query (s) "
             "| ratio | funnel (s) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results["engines"].items():  # type: ignore[union-attr]
        lines.append(f"| {name} | {r['events']:,} | {r['patterns_materialised_s']} | "
                     f"{r['patterns_inline_s']} | x{r['speedup']} | {r['funnel_s']} |")
    tx = results["taxonomy"]
    lines += ["", f"Taxonomy: {tx['names']} unknown names classified offline in "  # type: ignore[index]
              f"{tx['classify_s']} s ({tx['names_per_s']} names/s; model load "  # type: ignore[index]
              f"{tx['model_load_s']} s).", ""]  # type: ignore[index]
    stem.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
