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

**Cohort by signup.** With ``cohort_by="signup"`` a user enters on their
``users.signup_date``, else the day of ``users.first_seen``, else the day of their
first start event (``anchor_sources`` counts each); users without events count too.

**Offsets.** A return event counts from the day of the user's entry on. Its offset is
the calendar difference of ``offset_period`` periods (default: ``period``) between its
day and the entry's day: offset 0 is the offset period holding the entry day, so
monthly cohorts can be followed week by week, each member from their own week.

**Cells.** ``values[k]`` (k = 0 .. total_intervals - 1) counts the entries whose user
did the return event in offset k (``accumulation="period"``), in k or any later offset
of the range (``on_or_after``, PostHog's cumulative) or in any of 0..k (``up_to``).
With ``measure="revenue"`` a cell is the net revenue of those return events (purchases
minus refunds, the event's price else the list price, times quantity); with
``"orders"`` their distinct times (the lines of an order share its time). ``rates[k]``
is ``values[k]`` over its denominator: the cohort size for users and for ``up_to``
money (revenue per member: the LTV curve), else the cohort's own amount in offset 0
(revenue retention). ``cumulative=True`` means ``on_or_after`` for users and
``up_to`` for money.

**Censoring.** ``censoring="started"``: the cohorts are the entries of the range's
periods; a cell whose offset period begins after the range's end has not happened yet.
``censoring="observed"`` (the cohort matrices of ``shoplens cohorts``): the range is
the window the data covers; every entry up to its last day is a cohort (earlier ones
too) and only events inside it count; a cell is shown when, for every member, the
offset periods it sums lie wholly inside the window (see :class:`Window`). A censored
cell is ``None`` (``null`` in JSON), never 0.

The rollup planner answers the common shapes from the user-day rollup
(:mod:`shoplens.insights.planner.retention`); ``shoplens cohorts`` presents these
results as its matrices (:mod:`shoplens.cohorts`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import OTHER
from shoplens.insights.compile.context import check_engine
from shoplens.insights.compile.dates import ResolvedRange, bucket_start, label, period_start
from shoplens.insights.result import InsightResult
from shoplens.insights.retention.compile import compile_retention
from shoplens.insights.runner import cut_note
from shoplens.insights.schema import RetentionQuery

EPOCH = dt.date(1900, 1, 1)  # a Monday


def _date(x: Any) -> dt.date:
    if isinstance(x, dt.datetime):  # pandas Timestamps too: their wall-clock day
        return x.date()
    if isinstance(x, dt.date):
        return x
    ts = pd.Timestamp(x)
    return (ts.tz_localize(None) if ts.tzinfo else ts).to_pydatetime().date()


def _shift(d: dt.date, period: str, k: int) -> dt.date:
    if period == "day":
        return d + dt.timedelta(days=k)
    if period == "week":
        return d + dt.timedelta(days=7 * k)
    month = d.month - 1 + k
    return d.replace(year=d.year + month // 12, month=month % 12 + 1, day=1)


def run_retention(engine: Engine, query: RetentionQuery, *, plan: bool = True,
                  rng: ResolvedRange | None = None) -> InsightResult:
    """Answer a retention query (see the module's definitions): ``cohorts`` with
    ``cohort``, ``breakdown_value``, ``size``, ``values`` (``None``: censored),
    ``rates``, ``denominators`` and ``observed``, plus ``average`` (the sum of the
    observed values over the sum of their denominators) and, for signup cohorts,
    ``anchor_sources``. ``source`` is ``"rollups"`` when the planner answered; ``rng``
    (the resolved date range) spares the lookup of the data's bounds."""
    compiled, rng, scope, bds = compile_retention(engine, query, plan=plan, rng=rng)
    check_engine(engine, scope)
    statement = compiled.query()  # generated once: run and shown
    df = engine.fetch_df(statement, compiled.params or None)
    n = query.total_intervals
    bd = bds.items[0] if bds.items else None  # type: ignore[attr-defined]
    sizes: dict[tuple[dt.date, Any], list[Any]] = {}
    cells: dict[tuple[dt.date, Any], dict[int, list[float]]] = {}
    # column lists, not records: a matrix has a few thousand rows (records cost 2x more)
    amounts = list(zip(*(df[c].tolist() for c in (
        "users", "first_users", "last_users", "orders", "revenue")), strict=True))
    for cohort, bd_0, k, amount, e_min, e_max, signups, seen in zip(
            df["cohort"].tolist(), df["bd_0"].tolist(), df["k"].tolist(), amounts,
            df["entry_min"].tolist(), df["entry_max"].tolist(),
            df["from_signup_date"].tolist(), df["from_first_seen"].tolist(), strict=True):
        key = (_date(cohort), bd.label(bd_0) if bd else None)
        if int(k) < 0:
            sizes[key] = [int(amount[0]), _date(e_min), _date(e_max),
                          int(_num(signups)), int(_num(seen))]
            continue
        cell = cells.setdefault(key, {}).setdefault(int(k), [0.0] * 5)
        for i, value in enumerate(amount):
            cell[i] += _num(value)
    notes = []
    if bd is not None and bd.cut:
        values = len({v for _, v in sizes})
        sizes, cells = _top_n(sizes, cells, bd.breakdown.limit, bd.breakdown.hide_other)
        if values > bd.breakdown.limit:
            notes.append(cut_note(0, bd, values))
    window = Window(query, rng)
    cohorts = []
    sources = {"signup_date": 0, "first_seen": 0, "first_event": 0}
    for (cohort, value), (size, first, last, signups, seen) in sorted(sizes.items(), key=lambda kv: (
            kv[0][0], kv[0][1] == OTHER, str(kv[0][1]))):
        sources["signup_date"] += signups
        sources["first_seen"] += seen
        sources["first_event"] += size - signups - seen
        values, dens = _cells(query, size, cells.get((cohort, value), {}))
        observed = [window.observed(first, last, k) for k in range(n)]
        values = [v if ok else None for v, ok in zip(values, observed, strict=True)]
        dens = [d if ok else None for d, ok in zip(dens, observed, strict=True)]
        rates = [None if v is None or not d else v / d for v, d in zip(values, dens, strict=True)]
        cohorts.append({"cohort": label(dt.datetime.combine(cohort, dt.time()), query.period),
                        "breakdown_value": value, "size": size, "values": values,
                        "rates": rates, "denominators": dens, "observed": observed})
    average = _average(cohorts, n)
    frame = pd.DataFrame([{"cohort": c["cohort"], "breakdown_value": c["breakdown_value"],
                           "size": c["size"], "period": k, "value": c["values"][k],
                           "rate": c["rates"][k]} for c in cohorts for k in range(n)],
                         columns=["cohort", "breakdown_value", "size", "period", "value", "rate"])
    payload: dict[str, Any] = {"period": query.period, "offset_period": query.offset_unit,
                               "measure": query.measure, "cells": query.cells,
                               "cohorts": cohorts, "average": average}
    if query.cohort_by == "signup":
        payload["anchor_sources"] = sources
    date_from = rng.start.date() if query.censoring == "observed" else max(
        bucket_start(rng.start, query.period).date(),
        period_start(rng.start.date(), query.period))
    return InsightResult(
        kind="retention", query=query.model_dump(mode="json"), frame=frame, payload=payload,
        source=compiled.source, sql=[engine.render(statement)], notes=notes,
        date_from=date_from.isoformat(), date_to=rng.last_day.isoformat())


def _num(x: Any) -> float:
    return 0.0 if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _cells(query: RetentionQuery, size: int, by_k: dict[int, list[float]]
           ) -> tuple[list[float], list[float]]:
    """(numerators, denominators) of offsets ``0 .. n-1`` before censoring."""
    n = query.total_intervals
    col = {"users": 0, "orders": 3, "revenue": 4}[query.measure]
    if query.measure == "users":
        col = {"period": 0, "up_to": 1, "on_or_after": 2}[query.cells]
    per_k = [by_k.get(k, [0.0] * 5)[col] for k in range(n + 1)]
    if query.cells == "on_or_after":
        values = [sum(per_k[k:]) for k in range(n)]
    elif query.cells == "up_to":
        values = [sum(per_k[:k + 1]) for k in range(n)]
    else:
        values = per_k[:n]
    if query.measure == "users" or query.cells == "up_to":
        dens = [float(size)] * n
    else:  # revenue (or orders) retention: over the cohort's own offset 0
        dens = [by_k.get(0, [0.0] * 5)[col]] * n
    return values, dens


class Window:
    """Which cells a retention matrix can show (``censoring``).

    ``started``: a cell is shown once its offset period has begun for the cohort's
    earliest entry. ``observed``: the range ``[start, last day]`` is what the data
    covers; a cell is shown when, for every member, the offset periods it sums lie
    wholly inside it — offset 0 (and every cell of ``up_to`` cells, and money ratios,
    which need offset 0) from the member's entry day — so a partial last period is
    censored and a monthly cohort's week k waits for its last member's week k.
    """

    def __init__(self, query: RetentionQuery, rng: ResolvedRange) -> None:
        self.query = query
        self.unit = query.offset_unit
        self.start, self.end = rng.start.date(), rng.last_day
        one = dt.timedelta(days=1)
        self.first_idx = _index(self.start - one, self.unit) + 1
        self.last_idx = _index(self.end + one, self.unit) - 1
        self.end_day = (rng.end.date() if rng.end.time() == dt.time()
                        else rng.end.date() + one)

    def observed(self, first: dt.date, last: dt.date, k: int) -> bool:
        """Whether offset ``k`` of a cohort whose entries span ``first .. last`` shows."""
        q = self.query
        if q.censoring == "started":
            return _shift(period_start(first, self.unit), self.unit, k) < self.end_day
        if _index(last, self.unit) + k > self.last_idx:
            return False
        if k == 0 or q.cells == "up_to" or q.measure != "users":
            return first >= self.start
        return _index(first, self.unit) + k >= self.first_idx


def _index(d: dt.date, unit: str) -> int:
    """The period index of :func:`~shoplens.insights.retention.compile.period_index`."""
    if unit == "day":
        return (d - EPOCH).days
    if unit == "week":
        return (d - dt.timedelta(days=d.weekday()) - EPOCH).days // 7
    return d.year * 12 + d.month


def _top_n(sizes: dict, cells: dict, limit: int, hide_other: bool) -> tuple[dict, dict]:
    """Keep the ``limit`` breakdown values with the most entries; the rest sum into
    "other" (each entry has one value, so counts add up exactly)."""
    totals: dict[Any, int] = {}
    for (_, v), size in sizes.items():
        totals[v] = totals.get(v, 0) + size[0]
    keep = {v for v, _ in sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]}
    new_sizes: dict = {}
    new_cells: dict = {}
    for (c, v), size in sizes.items():
        key = (c, v if v in keep else OTHER)
        if key[1] == OTHER and hide_other:
            continue
        old = new_sizes.get(key)
        new_sizes[key] = size if old is None else [
            old[0] + size[0], min(old[1], size[1]), max(old[2], size[2]),
            old[3] + size[3], old[4] + size[4]]
        for k, cell in cells.get((c, v), {}).items():
            acc = new_cells.setdefault(key, {}).setdefault(k, [0.0] * 5)
            for i in range(5):
                acc[i] += cell[i]
    return new_sizes, new_cells


def _average(cohorts: list[dict[str, Any]], n: int) -> list[float | None]:
    """Per offset: the sum of the shown values over the sum of their non-zero
    denominators (cohort sizes; offset-0 amounts for revenue or orders retention)."""
    out: list[float | None] = []
    for k in range(n):
        shown = [c for c in cohorts if c["values"][k] is not None and c["denominators"][k]]
        den = sum(c["denominators"][k] for c in shown)
        out.append(sum(c["values"][k] for c in shown) / den if den else None)
    return out


__all__ = ["compile_retention", "run_retention"]
