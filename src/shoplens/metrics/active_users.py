"""Active users: DAU, WAU, MAU, rolling 7/28-day actives and stickiness."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from shoplens.engines import Engine
from shoplens.metrics.params import Form, period_bounds
from shoplens.metrics.queries import metric_query, rows


class DailyActive(BaseModel):
    day: date
    users: int


class WeeklyActive(BaseModel):
    week: date
    users: int


class MonthlyActive(BaseModel):
    month: date
    users: int


class RollingActive(BaseModel):
    day: date
    active_7d: int
    active_28d: int


class Stickiness(BaseModel):
    month: date
    avg_dau: float
    mau: int
    stickiness: float


def _ratio(num: Fraction, den: int | Fraction) -> float:
    return round(float(num / den), 6)


def _series(engine: Engine, name: str, first: date, last: date, form: Form
            ) -> dict[int, list[tuple[date, int]]]:
    """Per series index: ``(period, value)`` of metric ``name``, sorted, zeros left out."""
    out: dict[int, list[tuple[date, int]]] = {}
    for row in rows(engine, metric_query(name, first=first, last=last), form):
        if row[-1]:
            out.setdefault(row[0], []).append((row[1], int(row[-1])))
    return {k: sorted(v) for k, v in out.items()}


def active_users(engine: Engine, values: Mapping[str, Any], form: Form) -> dict[str, list]:
    """DAU, WAU, MAU, rolling actives and stickiness over the bound range.

    Each is a trends query (:func:`shoplens.metrics.queries.metric_query`), read from the
    raw events (``naive``) or answered by the planner from the rollups (``optimized``).

    Notes
    -----
    - *Active* means at least one event of any type (a view counts as much as a purchase).
    - A day is a UTC calendar day; a week starts on Monday, as PostgreSQL's
      ``date_trunc('week')`` (ISO weeks; the week of 2024-12-30 holds 2025-01-01); a month
      is a calendar month.
    - DAU, WAU and MAU are reported for every day, week and month that overlaps the range
      and has activity, each counted over the *whole* period, so a week's number never
      depends on the range asked for. Periods without a single event are omitted, never
      reported as zero.
    - Rolling actives on day *d*: distinct users active in the 7 (28) days ending on *d*
      (the series' ``rolling_days``), for every day of the range within the span of the
      data (first to last day with an event, gap days included); the windows reach back
      before the range.
    - Stickiness of a month: the mean DAU over the month's days with activity, divided by
      the month's MAU (the DAU and MAU queries over the range's whole months).
    """
    first, last = values["roll_first"], values["roll_last"]
    out: dict[str, list] = {}
    for name, model, grain in (("dau", DailyActive, "day"), ("wau", WeeklyActive, "week"),
                               ("mau", MonthlyActive, "month")):
        lo, hi = period_bounds(grain, first, last)  # type: ignore[arg-type]
        got = _series(engine, name, lo, hi - timedelta(days=1), form).get(0, [])
        out[name] = [model(**{grain: d, "users": n}) for d, n in got]
    out["rolling_active"] = _rolling(engine, first, last, form)
    lo, hi = period_bounds("month", first, last)
    daily = _series(engine, "dau", lo, hi - timedelta(days=1), form).get(0, [])
    stickiness = []
    for month in out["mau"]:
        days = [n for d, n in daily if d.replace(day=1) == month.month]
        if not days:
            continue
        avg = Fraction(sum(days), len(days))
        stickiness.append(Stickiness(month=month.month, avg_dau=round(float(avg), 6),
                                     mau=month.users, stickiness=_ratio(avg, month.users)))
    out["stickiness"] = stickiness
    return out


def _rolling(engine: Engine, first: date, last: date, form: Form) -> list[RollingActive]:
    """Rolling actives on the range's days inside the data's span (gap days included)."""
    from shoplens.metrics.compute import data_span

    lo, hi = data_span(engine, form)
    if lo is None or hi is None:
        return []
    first, last = max(first, lo), min(last, hi)
    if first > last:
        return []
    got = _series(engine, "rolling_active", first, last, form)
    a7, a28 = dict(got.get(0, [])), dict(got.get(1, []))
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    return [RollingActive(day=d, active_7d=a7.get(d, 0), active_28d=a28.get(d, 0))
            for d in days]
