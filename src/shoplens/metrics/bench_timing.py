"""Timing of one query in both forms: the raw statement and the planner's, side by side.

Both forms are timed alike: one untimed warm-up read (after the ``EXPLAIN ANALYZE`` that
saves the plan, when plans are saved), then N timed reads, N = ``repeat`` or, when more
fit, as many as take ``read_seconds`` (the first reads of a statement in a fresh process
are the slowest, and one descheduling decides a median of three). Every read executes
the statement against the database: nothing is cached between reads.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from shoplens.engines import Engine
from shoplens.insights.schema import TrendsQuery
from shoplens.metrics.bench_report import BenchRow


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


#: most timed reads of one form (a read of a few microseconds would otherwise run
#: hundreds of thousands of times in ``read_seconds``)
MAX_READS = 1000

#: per-dialect statements that stop a statement after ``{ms}`` milliseconds, and undo it
TIMEOUT_SQL: dict[str, tuple[str, str]] = {
    "postgres": ("SET statement_timeout = {ms}", "RESET statement_timeout"),
}


class _TimedOut(Exception):
    pass


@contextlib.contextmanager
def _deadline(engine: Engine, seconds: float | None) -> Iterator[None]:
    """Stop the body's statements after ``seconds`` (raising :class:`_TimedOut`) where the
    engine can; elsewhere, or without ``seconds``, run them to the end."""
    sql = TIMEOUT_SQL.get(engine.dialect)
    if seconds is None or sql is None:
        yield
        return
    engine.execute(sql[0].format(ms=int(seconds * 1000)), native=True)
    try:
        yield
    except Exception as exc:  # the engine's own "canceled by statement timeout" error
        raise _TimedOut from exc
    finally:
        engine.execute(sql[1], native=True)


def bench_query(engine: Engine, name: str, query: TrendsQuery, params: Any) -> BenchRow:
    """One trends query: its raw statement (naive) against the planner's (optimized; the
    raw one twice when the planner declines: speed-up about 1). ``params`` is a
    :class:`~shoplens.metrics.bench.BenchParams` (repeat, plans, naive_timeout_s)."""
    from shoplens.insights.planner.check import both_forms, canonical

    raw, planned = both_forms(engine, query)
    forms = {"naive": raw, "optimized": planned or raw}
    timings: dict[str, list[float]] = {}
    results: dict[str, list[tuple]] = {}
    timed_out = False
    for form, compiled in forms.items():
        limit = params.naive_timeout_s if form == "naive" else None
        try:
            with _deadline(engine, limit):
                timings[form] = _time_form(engine, name, form, compiled, params, results,
                                           canonical)
        except _TimedOut:
            timed_out = True
            timings[form] = [limit * 1000]
    naive, optimized = statistics.median(timings["naive"]), statistics.median(timings["optimized"])
    return BenchRow(
        metric=name, engine=engine.name, naive_ms=round(naive, 3), optimized_ms=round(optimized, 3),
        speedup=round(naive / optimized, 1) if optimized > 0 else float("inf"),
        rows_equal=None if timed_out else results["naive"] == results["optimized"],
        naive_p95_ms=round(_percentile(timings["naive"], 95), 3),
        optimized_p95_ms=round(_percentile(timings["optimized"], 95), 3),
        naive_reads=len(timings["naive"]), optimized_reads=len(timings["optimized"]),
        rows=len(results["optimized"]), naive_timed_out=timed_out)


def _time_form(engine: Engine, name: str, form: str, compiled: Any, params: Any,
               results: dict[str, list[tuple]], canonical: Callable[[Any], list[tuple]]
               ) -> list[float]:
    """Save the executed plan, read once untimed, then time ``repeat`` reads of one form
    and more while all of them took less than ``read_seconds``."""
    if params.plans is not None:
        folder = params.plans / engine.name
        folder.mkdir(parents=True, exist_ok=True)
        plan = engine.explain(compiled.query(), compiled.params or None)
        (folder / f"{name}.{form}.txt").write_text(
            f"-- {compiled.source}; {engine.explain_analyze}\n{compiled.rendered(engine)}\n\n{plan}\n",
            encoding="utf-8")
    compiled.fetch_df(engine)  # warm-up
    runs: list[float] = []
    budget_ms = params.read_seconds * 1000
    while len(runs) < params.repeat or (sum(runs) < budget_ms and len(runs) < MAX_READS):
        seconds, df = _timed(lambda c=compiled: c.fetch_df(engine))
        runs.append(seconds * 1000)
        if form not in results:  # once: canonical rows of every read would put tens of
            results[form] = canonical(df)  # thousands of objects between timed reads
    return runs
