"""Plain-language questions: accuracy of the offline parser per question kind on a
generated shop, and the time to answer a question (model load reported apart).

    .venv/bin/python benchmarks/ask_bench.py [--users 2000]

Uses the question set of the tests (``tests/ask/questions.py``): each question's numbers
are compared with those of the hand-written query that answers it. Writes
``benchmarks/results/ask.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=2_000)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from ask.accuracy import score

    from shoplens.ask.intents import default_classifier
    from shoplens.engines import connect
    from shoplens.generate import GenerateParams, generate
    from shoplens.ingest import load

    tmp = Path(tempfile.mkdtemp(prefix="shoplens-ask-bench-"))
    generate(GenerateParams(users=args.users, months=12, seed=5), tmp / "shop")
    engine = connect(f"duckdb:{tmp / 'shop.duckdb'}")
    load(engine, [tmp / "shop"])
    events = engine.scalar("SELECT count(*) FROM events")
    t = time.perf_counter()
    default_classifier().warm()
    model_load = time.perf_counter() - t
    s = score(engine)
    engine.close()
    secs = sorted(s.seconds)
    p95 = secs[int(0.95 * (len(secs) - 1))]
    doc = {"events": events, "questions": sum(s.total.values()), "accuracy": s.accuracy,
           "per_kind": {k: {"right": s.right[k], "of": s.total[k]} for k in s.total},
           "model_load_s": model_load, "answer_s_median": statistics.median(secs),
           "answer_s_p95": p95, "answer_s_max": secs[-1], "wrong": s.wrong}
    md = [f"# Plain-language questions: {doc['questions']} questions on {events:,} events "
          "(DuckDB)", "", "```", s.table(), "```", "",
          f"Model load (MiniLM, once per process): {model_load:.2f} s. Time to answer a "
          f"question after that (parse + queries): median {doc['answer_s_median'] * 1000:.0f} ms,"
          f" p95 {p95 * 1000:.0f} ms, max {secs[-1] * 1000:.0f} ms.", ""]
    if s.wrong:
        md += ["Wrong answers:", ""] + [f"- {q!r}: {why}" for q, why in s.wrong]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ask.json").write_text(json.dumps(doc, indent=2, default=str))
    (RESULTS / "ask.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
