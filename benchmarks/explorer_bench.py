"""The explorer's speed: first paint of each page, p95 of an interaction, and twenty
simulated users at once, over ``shoplens serve`` on loopback.

    .venv/bin/python benchmarks/explorer_bench.py --events 2000000 --seconds 60

Builds (or reuses, ``--db``) a generated shop loaded through ``shoplens load``, starts
``shoplens serve`` on a free port and measures:

- first paint of each page in headless Chromium (Debian's, through Playwright): the
  browser's first-contentful-paint, and the time until the page's result is drawn
  (cold cache: the first visit runs the queries);
- one interaction, repeated: a trends breakdown changed (and, where its runner is
  installed, a funnel re-run), each with a new date range so no answer is cached;
  the p95 of the round trip ``POST /api/run``;
- ``--users`` simulated users for ``--seconds``: each opens a page, runs one of a pool
  of queries (some cached, some not) and asks a property's values, in a loop; errors
  and the p95 of every request.

Goals (issue 18): first paint < 1 s, interaction p95 < 500 ms, no errors under load.
Writes ``benchmarks/results/explorer-<N>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "explorer"))
from browser import SETTLED, launch, serving  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PAGES = ("/", "/trends", "/funnels", "/retention", "/lifecycle", "/stickiness", "/paths",
         "/segments", "/value", "/alerts", "/saved")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def build_db(events: int, folder: Path) -> str:
    from shoplens.engines import connect
    from shoplens.events.taxonomy import ensure_categorized
    from shoplens.generate import GenerateParams, generate
    from shoplens.ingest.loader import load

    url = f"duckdb:{folder / f'explorer-bench-{events}.duckdb'}"
    if not (folder / f"explorer-bench-{events}.duckdb").exists():
        t0 = time.perf_counter()
        generate(GenerateParams(events=events, seed=42, months=12), folder / "shop")
        with connect(url) as engine:
            load(engine, folder / "shop", quarantine_dir=folder)
        log(f"built {url} in {time.perf_counter() - t0:.0f} s")
    with connect(url) as engine:  # `shoplens events categorize`: funnels of actions read it
        ensure_categorized(engine)
    return url


def post(base: str, path: str, doc: dict[str, Any], timeout: float = 120) -> tuple[int, float]:
    data = json.dumps(doc).encode()
    req = urllib.request.Request(base + path, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - t0


def get(base: str, path: str, timeout: float = 120) -> tuple[int, float]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - t0


def first_paint(base: str) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for path in PAGES:
            t0 = time.perf_counter()
            page.goto(base + path)
            fcp = page.evaluate("() => new Promise(r => { const e = performance"
                                ".getEntriesByName('first-contentful-paint')[0];"
                                " if (e) r(e.startTime); else new PerformanceObserver(l => "
                                "r(l.getEntries()[0].startTime)).observe({type: 'paint', "
                                "buffered: true}); })")
            page.wait_for_function(SETTLED, timeout=300_000)
            ready = time.perf_counter() - t0
            state = page.evaluate("() => { const b = document.querySelector('#result, #overview,"
                                  " #panel');"
                                  " return b ? b.dataset.state : 'static'; }")
            rows.append({"page": path, "first_paint_ms": round(fcp, 1),
                         "result_ready_ms": round(1000 * ready, 1), "state": state})
            log(f"{path:12} first paint {fcp:7.1f} ms, result drawn {1000 * ready:7.1f} ms ({state})")
        browser.close()
    return rows


def browser_interactions(base: str, last_day: date, n: int) -> dict[str, Any]:
    """A breakdown changed on the trends page in Chromium, as a person does it: a new
    date range typed (no run yet), then a breakdown chosen (runs at once); the time from
    the choice until the new chart is drawn (the page is not reloaded: only the result
    travels and plotly updates the chart in place)."""
    from playwright.sync_api import sync_playwright

    props = ["user.country", "product.category", "product.brand", "time.weekday"]
    times = []
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/trends?event=action:purchase&math=total&interval=day&from=-30d")
        page.wait_for_function(SETTLED, timeout=300_000)
        for i in range(n):
            day = str(last_day - timedelta(days=40 + i))
            page.fill('input[name="from"]', day)
            t0 = time.perf_counter()
            page.fill('input[name="breakdown"]', props[i % len(props)])
            page.dispatch_event('input[name="breakdown"]', "change")
            # drawn: the page's URL names the new view and nothing is running
            page.wait_for_function(
                "([day, prop]) => location.search.includes('from=' + day) && location.search"
                ".includes('breakdown=' + encodeURIComponent(prop)) && document.querySelector("
                "'#result').dataset.state === 'done'", arg=[day, props[i % len(props)]],
                timeout=300_000)
            times.append(time.perf_counter() - t0)
        browser.close()
    return _series("browser breakdown", times, [])


def direct(url: str, doc: dict[str, Any]) -> float:
    """The same query through the Python API in this process (no server), for the ratio."""
    from shoplens.engines import connect
    from shoplens.explorer.runs import _answer, insight_runner
    from shoplens.insights import parse_query

    t0 = time.perf_counter()
    with connect(url, init=False, read_only=True) as engine:
        _answer(insight_runner(), engine, parse_query(doc))
    return time.perf_counter() - t0


def _series(name: str, times: list[float], api: list[float]) -> dict[str, Any]:
    out = {"n": len(times), "p95_ms": round(1000 * p95(times), 1),
           "median_ms": round(1000 * statistics.median(times), 1)}
    if api:
        out |= {"python_api_p95_ms": round(1000 * p95(api), 1),
                "python_api_median_ms": round(1000 * statistics.median(api), 1)}
    return out


def interactions(base: str, url: str, last_day: date, n: int) -> dict[str, Any]:
    """Each interaction as the page sends it (``POST /api/run`` with the form's fields),
    with a new date range each time so that nothing is cached, against the same query
    through the Python API in this process."""
    breakdowns = ["user.country", "product.category", "product.brand", "time.weekday",
                  "user.country", "product.category"]
    out: dict[str, Any] = {}
    cases = {
        # the rollups answer: total purchases by a dimension they keep
        "trends_breakdown_total": ("action:purchase", "total"),
        # the raw events: distinct buyers of one action do not add up across days
        "trends_breakdown_unique_users": ("action:purchase", "unique_users"),
    }
    for name, (event, math) in cases.items():
        times, api = [], []
        for i in range(n):
            doc = {"kind": "trends", "series": [{"event": event, "math": math}],
                   "interval": "day", "breakdowns": [{"property": breakdowns[i % len(breakdowns)]}],
                   "date_range": {"date_from": str(last_day - timedelta(days=30 + i)),
                                  "date_to": str(last_day)}}
            if i % 2:  # alternate which goes first: the second finds the file in the page cache
                api.append(direct(url, doc))
            status, seconds = post(base, "/api/run", {"query": doc})
            if status == 200:
                times.append(seconds)
            if not i % 2:
                api.append(direct(url, doc))
        if times:
            out[name] = _series(name, times, api)
    funnels, api, again = [], [], []
    for i in range(n):
        doc = {"kind": "funnels", "steps": [{"event": "action:view"}, {"event": "action:cart"},
                                            {"event": "action:purchase"}],
               "date_range": {"date_from": str(last_day - timedelta(days=30 + i)),
                              "date_to": str(last_day)}}
        status, seconds = post(base, "/api/run", {"query": doc})
        if status != 200:
            break
        funnels.append(seconds)
        again.append(post(base, "/api/run", {"query": doc})[1])  # Run pressed again
        if i < max(2, n // 4):  # the funnel is slow: the API alone on a few of them
            api.append(direct(url, doc))
    if funnels:
        out["funnel_new_range"] = _series("funnel", funnels, api)
        out["funnel_rerun_same"] = _series("funnel again", again, [])
    return out


def load_test(base: str, last_day: date, users: int, seconds: float) -> dict[str, Any]:
    pool = [{"kind": "trends", "series": [{"event": e, "math": m}], "interval": iv,
             "date_range": {"date_from": str(last_day - timedelta(days=d))}}
            for e in ("action:view", "action:purchase", None) for m in ("total", "unique_users")
            for iv in ("day", "week") for d in (30, 60, 90)]
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    rng = random.Random(7)

    def user(k: int) -> None:
        r = random.Random(k)
        while time.monotonic() < stop:
            calls = [lambda: get(base, r.choice(("/trends", "/funnels", "/retention", "/segments"))),
                     lambda: post(base, "/api/run", {"query": r.choice(pool)}),
                     lambda: get(base, "/api/values?property=user.country")]
            for call in calls:
                status, t = call()
                with lock:
                    times.append(t)
                    if status >= 500 or status == 0:
                        errors.append(str(status))

    threads = [threading.Thread(target=user, args=(rng.randrange(10**9),)) for _ in range(users)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"users": users, "seconds": round(wall, 1), "requests": len(times),
            "errors": len(errors), "requests_per_s": round(len(times) / wall, 1),
            "p95_ms": round(1000 * p95(times), 1), "median_ms": round(1000 * statistics.median(times), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--db", help="an existing database URL (default: generate one)")
    ap.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--interactions", type=int, default=20)
    ap.add_argument("--categorize", action="store_true",
                    help="store the event taxonomy in --db first (a write)")
    args = ap.parse_args()

    from shoplens.engines import connect

    url = args.db or build_db(args.events, args.folder)
    if args.db and args.db.startswith("duckdb:") and args.categorize:
        from shoplens.events.taxonomy import ensure_categorized

        with connect(args.db) as engine:
            ensure_categorized(engine)
    with connect(url, init=False, read_only=True) as engine:
        n_events = int(engine.scalar("SELECT count(*) FROM events"))
        last_day = engine.scalar("SELECT max(event_time) FROM events").date()
    log(f"{n_events:,} events, last day {last_day}")
    with tempfile.TemporaryDirectory() as tmp, \
            serving(url, Path(tmp) / "explorer.json", Path(tmp) / "serve.log") as base:
        paint = first_paint(base)
        inter = interactions(base, url, last_day, args.interactions)
        inter["browser_breakdown_changed"] = browser_interactions(base, last_day,
                                                                  args.interactions)
        log(f"interactions: {inter}")
        load = load_test(base, last_day, args.users, args.seconds)
        log(f"load: {load}")
    result = {"events": n_events, "engine": url.split(":")[0], "cores": os.cpu_count(),
              "first_paint": paint, "interactions": inter, "load": load}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"explorer-{n_events}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    worst = max(r["first_paint_ms"] for r in paint)
    print(f"\nfirst paint (worst page) {worst:.0f} ms (goal < 1000); "
          + ", ".join(f"{k} p95 {v['p95_ms']:.0f} ms" + (
              f" (the Python API alone {v['python_api_p95_ms']:.0f} ms)"
              if "python_api_p95_ms" in v else "") for k, v in inter.items())
          + f" (goal < 500); {load['users']} users x {load['seconds']} s: {load['requests']} "
            f"requests, {load['errors']} errors, p95 {load['p95_ms']:.0f} ms")


if __name__ == "__main__":
    main()
