"""Customer value at scale: the summary SQL on DuckDB over many purchase events, and the
MAP fit plus every prediction (PyMC-Marketing BG/NBD + Gamma-Gamma) for 100k and 1M
customers, with peak memory.

    .venv/bin/python benchmarks/clv_bench.py --customers 1000000 --fit-sizes 100000,1000000

Goals (issue #16): summary over 10M events / 1M customers < 10 s; MAP fit + predictions
for 100k customers < 30 s and for 1M < 5 min, on 2 cores.

The shop is simulated from the models themselves (seeded): each customer's purchase
rate is Gamma(r, alpha) per week, after each purchase they drop out with a Beta(a, b)
probability, and order values follow the Gamma-Gamma model — so the fitted parameters
can be compared with the true ones. With ``--pandas`` the same summary is also computed
by PyMC-Marketing's pandas ``rfm_summary`` on the raw transactions, side by side.
Writes ``benchmarks/results/clv-<events>.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from shoplens.clv import ClvParams, CustomerValueModel
from shoplens.clv.summary import fetch_daily, fetch_summary, model_frame
from shoplens.engines import connect

RESULTS = Path(__file__).resolve().parent / "results"
TRUE = {"r": 0.8, "alpha": 3.0, "a": 0.5, "b": 4.0, "p": 6.0, "q": 4.0, "v": 15.0}
START = date(2024, 1, 1)
WEEKS = 52
GOALS = {"summary_10M_s": 10.0, "fit_100k_s": 30.0, "fit_1M_s": 300.0}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simulate(customers: int, seed: int) -> pa.Table:
    """Purchase events of ``customers`` BG/NBD customers over 52 weeks (first purchases
    spread over the first 12 weeks); one event per purchase, several can share a day."""
    rng = np.random.default_rng(seed)
    t = TRUE
    lam = rng.gamma(t["r"], 1 / t["alpha"], customers)          # purchases per week
    drop = rng.beta(t["a"], t["b"], customers)
    nu = rng.gamma(t["q"], 1 / t["v"], customers)                 # spend scale
    first = rng.uniform(0, 12, customers)                          # weeks
    ids, times = [np.arange(customers)], [first]
    now, alive = first.copy(), np.ones(customers, dtype=bool)
    while alive.any():  # one round: every active customer's next repeat purchase
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1 / np.maximum(lam[idx], 1e-12))
        alive[idx[now[idx] >= WEEKS]] = False
        idx = np.flatnonzero(alive)
        ids.append(idx)
        times.append(now[idx].copy())
        alive[idx[rng.random(idx.size) < drop[idx]]] = False  # drop out after a repeat purchase
    cust = np.concatenate(ids)
    weeks = np.concatenate(times)
    value = rng.gamma(t["p"], 1 / nu[cust])
    stamp = (np.datetime64(START.isoformat(), "s")
             + (weeks * 7 * 86400).astype("int64").astype("timedelta64[s]"))
    n = cust.size
    return pa.table({
        "event_id": pa.array(np.arange(n, dtype="int64")),
        "user_id": pa.array(np.char.add("c", cust.astype(str))),
        "event_type": pa.array(np.full(n, "purchase")),
        "raw_event": pa.array(np.full(n, "purchase")),
        "product_id": pa.array(np.full(n, "p1")),
        "price": pa.array(np.round(value, 2)),
        "quantity": pa.array(np.ones(n, dtype="int32")),
        "event_time": pa.array(stamp),
    })


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: CPU seconds of the last :func:`timed` call (on a shared machine the wall clock also
#: counts other people's work; both are reported)
LAST_CPU = [0.0]


def timed(fn, *args, **kwargs):
    clock, cpu = time.perf_counter(), cpu_s()
    out = fn(*args, **kwargs)
    LAST_CPU[0] = cpu_s() - cpu
    return out, time.perf_counter() - clock


def fit_and_predict(frame: pd.DataFrame, model_name: str = "bgnbd") -> dict[str, float]:
    params = ClvParams(model=model_name, time_unit="week", horizon="90d")
    model, fit_s = timed(CustomerValueModel(params).fit, frame)
    cpu = LAST_CPU[0]
    steps = {}
    for name in ("predict", "p_alive", "expected_spend", "clv"):
        _, steps[name] = timed(getattr(model, name))
        cpu += LAST_CPU[0]
    values = dict(zip(model.params_["name"], model.params_["value"], strict=True))
    return {"model": model_name, "customers": len(frame), "fit_s": fit_s,
            **{f"{k}_s": v for k, v in steps.items()},
            "total_s": fit_s + sum(steps.values()), "total_cpu_s": cpu, "peak_mb": peak_mb(),
            **{f"fitted_{k}": v for k, v in values.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--fit-sizes", default="100000,1000000",
                    help="comma-separated numbers of customers to fit (at most --customers)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="summary query runs (best kept)")
    ap.add_argument("--model", default="bgnbd", choices=["bgnbd", "pareto-nbd"],
                    help="purchase model to fit (the shop is always simulated from BG/NBD)")
    ap.add_argument("--pandas", action="store_true",
                    help="also time pymc-marketing's pandas rfm_summary on the transactions")
    args = ap.parse_args()

    log(f"simulating {args.customers:,} customers")
    events, sim_s = timed(simulate, args.customers, args.seed)
    n_events = events.num_rows
    log(f"{n_events:,} purchase events in {sim_s:.1f} s")
    import os

    doc: dict = {"customers": args.customers, "events": n_events, "true": TRUE,
                 "load_average": round(os.getloadavg()[0], 1),
                 "machine_cores": 2, "goals_s": GOALS}
    with tempfile.TemporaryDirectory() as tmp:
        engine = connect(f"duckdb:{Path(tmp) / 'clv.duckdb'}")
        _, load_s = timed(engine.append_arrow, "events", events)
        log(f"loaded into DuckDB in {load_s:.1f} s")
        cal_end = START + timedelta(weeks=39)
        obs_end = START + timedelta(weeks=WEEKS) - timedelta(days=1)
        runs, cpus = [], []
        for _ in range(args.repeat):
            summary, s = timed(fetch_summary, engine, cal_end, obs_end)
            runs.append(s)
            cpus.append(LAST_CPU[0])
        _, daily_s = timed(fetch_daily, engine, cal_end, obs_end)
        engine.close()
    doc["summary"] = {"best_s": min(runs), "runs_s": runs, "cpu_s": cpus, "rows": len(summary),
                      "daily_s": daily_s, "peak_mb": peak_mb(),
                      "events_per_s": n_events / min(runs)}
    log(f"summary SQL: {len(summary):,} customers in {min(runs):.2f} s (best of {args.repeat}); "
        f"daily curve {daily_s:.2f} s")
    if args.pandas:
        from pymc_marketing.clv.utils import rfm_summary

        tx = pd.DataFrame({"customer_id": events.column("user_id").to_numpy(),
                           "date": events.column("event_time").to_numpy(),
                           "value": events.column("price").to_numpy()})
        _, pandas_s = timed(rfm_summary, tx, "customer_id", "date", monetary_value_col="value",
                              observation_period_end=datetime.combine(cal_end, datetime.min.time()),
                              time_unit="D")
        doc["summary"]["pandas_rfm_summary_s"] = pandas_s
        doc["summary"]["sql_speedup_vs_pandas"] = pandas_s / min(runs)
        log(f"pandas rfm_summary: {pandas_s:.2f} s ({pandas_s / min(runs):.1f}x the SQL)")

    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / (f"clv-{n_events}" + ("" if args.model == "bgnbd" else f"-{args.model}"))

    def save() -> None:  # after every phase: a run stopped part-way keeps its figures
        doc["cpu_s"] = cpu_s()
        stem.with_suffix(".json").write_text(json.dumps(doc, indent=2, default=str))
        stem.with_suffix(".md").write_text(report(doc))

    frame = model_frame(summary, 7)
    doc["fits"] = []
    save()
    for size in [int(s) for s in args.fit_sizes.split(",") if s]:
        sub = frame.sample(n=min(size, len(frame)), random_state=args.seed).reset_index(drop=True)
        log(f"MAP fit + predictions for {len(sub):,} customers ...")
        row = fit_and_predict(sub, args.model)
        doc["fits"].append(row)
        save()
        fitted = ", ".join(f"{k.removeprefix('fitted_')} {v:.3f}" for k, v in row.items()
                           if k.startswith("fitted_"))
        log(f"  fit {row['fit_s']:.1f} s, predictions {row['total_s'] - row['fit_s']:.1f} s, "
            f"total {row['total_s']:.1f} s ({row['total_cpu_s']:.1f} s CPU), peak "
            f"{row['peak_mb']:.0f} MB; {fitted}")
    save()
    print(report(doc))


def report(doc: dict) -> str:
    s = doc["summary"]
    lines = [f"# Customer value benchmark: {doc['events']:,} events, {doc['customers']:,} customers",
             "", f"Load average when run: {doc.get('load_average')} on 2 cores (wall seconds include "
             "other processes' work; CPU seconds are this process's).", "",
             "| step | customers | wall s | CPU s | goal | peak MB |",
             "| --- | ---: | ---: | ---: | --- | ---: |",
             f"| summary SQL (DuckDB, best of {len(s['runs_s'])}) | {s['rows']:,} | {s['best_s']:.2f} "
             f"| {min(s['cpu_s']):.2f} | < 10 s at 10M events | {s['peak_mb']:.0f} |"]
    if "pandas_rfm_summary_s" in s:
        lines.append(f"| pandas rfm_summary (PyMC-Marketing), same data | {s['rows']:,} | "
                     f"{s['pandas_rfm_summary_s']:.2f} | | SQL is {s['sql_speedup_vs_pandas']:.1f}x "
                     "faster | |")
    for f in doc["fits"]:
        goal = "< 30 s" if f["customers"] <= 100_000 else "< 300 s"
        label = {"bgnbd": "BG/NBD", "pareto-nbd": "Pareto/NBD"}[f.get("model", "bgnbd")]
        lines.append(f"| MAP fit + predict, CLV ({label} + Gamma-Gamma) | {f['customers']:,} | "
                     f"{f['total_s']:.1f} (fit {f['fit_s']:.1f}) | {f['total_cpu_s']:.1f} | {goal} "
                     f"| {f['peak_mb']:.0f} |")
    last = doc["fits"][-1] if doc["fits"] else {}
    lines += ["", "True vs fitted (largest fit): " + ", ".join(
        f"{k} {doc['true'][k]:g} -> {last[f'fitted_{k}']:.3f}" for k in doc["true"]
        if f"fitted_{k}" in last), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
