"""Retention: of the users who did the start event in a period, who did the return event
in each later period (PostHog's retention insight, with ShopLens's revenue and LTV).

Definitions
-----------
**Cohorts.** ``first_time``: each user enters once, in the period (day, Monday week or
month, in the query's time zone) of their first start event ever — the history before
the date range counts, and only users whose first start falls inside the range are
shown. ``recurring``: a user enters every period of the range in which they did the
start event. A breakdown splits each cohort by the property's value on the user's
start events of that period (the smallest value when there are several; top N values,
the rest grouped as "(other)").

**Cells.** ``values[k]`` (k = 0 .. total_intervals - 1) counts the entries whose user
did the return event in the k-th period after the cohort's (period 0 is the cohort's
own period); with ``cumulative``, in period k or any later one (PostHog's "on or
after"). With ``measure="revenue"`` a cell is the net revenue of those return events
(purchases minus refunds, the event's price else the list price, times quantity):
``rates[k]`` is then revenue retention, ``values[k] / values[0]``; with ``cumulative``
the revenue of periods 0..k and ``rates[k]`` its amount per cohort member (the LTV
curve). For users, ``rates[k] = values[k] / size``.

**Censoring.** A cell whose period starts after the range's end has not happened yet:
``None`` (``null`` in JSON), never 0.

This is the model behind ``shoplens retention``; ``shoplens cohorts`` keeps its own
matrix (signup anchors, offset units differing from the cohort width, per-member
censoring), computed by :mod:`shoplens.cohorts`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import OTHER
from shoplens.insights.compile.context import check_engine
from shoplens.insights.compile.dates import bucket_start, label, period_start
from shoplens.insights.result import InsightResult
from shoplens.insights.retention.compile import compile_retention
from shoplens.insights.schema import RetentionQuery


def _date(x: Any) -> dt.date:
    ts = pd.Timestamp(x)
    return (ts.tz_localize(None) if ts.tzinfo else ts).to_pydatetime().date()


def _shift(d: dt.date, period: str, k: int) -> dt.date:
    if period == "day":
        return d + dt.timedelta(days=k)
    if period == "week":
        return d + dt.timedelta(days=7 * k)
    month = d.month - 1 + k
    return d.replace(year=d.year + month // 12, month=month % 12 + 1, day=1)


def run_retention(engine: Engine, query: RetentionQuery) -> InsightResult:
    """Answer a retention query (see the module's definitions): ``cohorts`` with
    ``cohort``, ``breakdown_value``, ``size``, ``values`` and ``rates``, plus
    ``average`` (rates weighted by cohort size over the cohorts observed)."""
    compiled, rng, scope, bds = compile_retention(engine, query)
    check_engine(engine, scope)
    df = compiled.fetch_df(engine)
    n = query.total_intervals
    bd = bds.items[0] if bds.items else None  # type: ignore[attr-defined]
    sizes: dict[tuple[dt.date, Any], int] = {}
    cells: dict[tuple[dt.date, Any], dict[int, list[float]]] = {}
    for r in df.to_dict("records"):
        key = (_date(r["cohort"]), bd.label(r["bd_0"]) if bd else None)
        k = int(r["k"])
        if k < 0:
            sizes[key] = sizes.get(key, 0) + int(r["users"])
            continue
        cell = cells.setdefault(key, {}).setdefault(k, [0.0, 0.0, 0.0])
        cell[0] += float(r["users"] or 0)
        cell[1] += float(r["last_users"] or 0)
        cell[2] += float(r["revenue"] or 0)
    if bd is not None and bd.cut:
        sizes, cells = _top_n(sizes, cells, bd.breakdown.limit, bd.breakdown.hide_other)
    end_day = rng.end.date() if rng.end.time() == dt.time() else rng.end.date() + dt.timedelta(1)
    cohorts = []
    for (cohort, value), size in sorted(sizes.items(), key=lambda kv: (
            kv[0][0], kv[0][1] == OTHER, str(kv[0][1]))):
        by_k = cells.get((cohort, value), {})
        raw_users = [by_k.get(k, [0, 0, 0])[0] for k in range(n)]
        last = [by_k.get(k, [0, 0, 0])[1] for k in range(n)]
        money = [by_k.get(k, [0, 0, 0])[2] for k in range(n)]
        if query.measure == "users":
            vals = ([sum(last[k:]) for k in range(n)] if query.cumulative else raw_users)
        else:
            vals = ([sum(money[:k + 1]) for k in range(n)] if query.cumulative else money)
        values: list[float | None] = []
        for k in range(n):
            started = _shift(cohort, query.period, k) < end_day
            values.append(float(vals[k]) if started else None)
        if query.measure == "users" or query.cumulative:
            rates = [None if v is None else v / size for v in values]
        else:
            base = values[0]
            rates = [None if v is None or not base else v / base for v in values]
        cohorts.append({"cohort": label(dt.datetime.combine(cohort, dt.time()), query.period),
                        "breakdown_value": value, "size": size, "values": values,
                        "rates": rates})
    average = _average(cohorts, n, query)
    frame = pd.DataFrame([{"cohort": c["cohort"], "breakdown_value": c["breakdown_value"],
                           "size": c["size"], "period": k, "value": c["values"][k],
                           "rate": c["rates"][k]} for c in cohorts for k in range(n)],
                         columns=["cohort", "breakdown_value", "size", "period", "value", "rate"])
    first = bucket_start(rng.start, query.period).date()
    return InsightResult(
        kind="retention", query=query.model_dump(mode="json"), frame=frame,
        payload={"period": query.period, "measure": query.measure, "cohorts": cohorts,
                 "average": average}, sql=[compiled.rendered(engine)],
        date_from=max(first, period_start(rng.start.date(), query.period)).isoformat(),
        date_to=rng.last_day.isoformat())


def _top_n(sizes: dict, cells: dict, limit: int, hide_other: bool) -> tuple[dict, dict]:
    """Keep the ``limit`` breakdown values with the most entries; the rest sum into
    "other" (each entry has one value, so counts add up exactly)."""
    totals: dict[Any, int] = {}
    for (_, v), size in sizes.items():
        totals[v] = totals.get(v, 0) + size
    keep = {v for v, _ in sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]}
    new_sizes: dict = {}
    new_cells: dict = {}
    for (c, v), size in sizes.items():
        key = (c, v if v in keep else OTHER)
        if key[1] == OTHER and hide_other:
            continue
        new_sizes[key] = new_sizes.get(key, 0) + size
        for k, cell in cells.get((c, v), {}).items():
            acc = new_cells.setdefault(key, {}).setdefault(k, [0.0, 0.0, 0.0])
            for i in range(3):
                acc[i] += cell[i]
    return new_sizes, new_cells


def _average(cohorts: list[dict[str, Any]], n: int, query: RetentionQuery) -> list[float | None]:
    """Per period: the sum of values over the sum of denominators of the cohorts
    observed there (sizes; period-0 revenue for revenue retention)."""
    out: list[float | None] = []
    for k in range(n):
        num = den = 0.0
        for c in cohorts:
            v = c["values"][k]
            if v is None:
                continue
            d = (c["size"] if query.measure == "users" or query.cumulative
                 else c["values"][0] or 0)
            num, den = num + v, den + d
        out.append(num / den if den else None)
    return out


__all__ = ["compile_retention", "run_retention"]
