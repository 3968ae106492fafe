"""Active users: DAU, WAU, MAU, rolling 7/28-day actives and stickiness."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from shoplens.engines import Engine
from shoplens.metrics.params import Form
from shoplens.metrics.registry import run


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


def active_users(engine: Engine, values: Mapping[str, Any], form: Form) -> dict[str, list]:
    """DAU, WAU, MAU, rolling actives and stickiness over the bound range.

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
    - Rolling actives on day *d*: distinct users active in the 7 (28) days ending on *d*,
      for every day of the range within the span of the data (first to last day with an
      event, gap days included); the windows reach back before the range.
    - Stickiness of a month: the mean DAU over the month's days with activity, divided by
      the month's MAU.
    """
    dau = [DailyActive(day=d, users=n) for d, n in run(engine, "dau", form, values)]
    wau = [WeeklyActive(week=d, users=n) for d, n in run(engine, "wau", form, values)]
    mau = [MonthlyActive(month=d, users=n) for d, n in run(engine, "mau", form, values)]
    rolling = [RollingActive(day=d, active_7d=a, active_28d=b)
               for d, a, b in run(engine, "rolling_active", form, values)]
    stickiness = []
    for month, dau_sum, days, users in run(engine, "stickiness", form, values):
        avg = Fraction(int(dau_sum), int(days))
        stickiness.append(Stickiness(month=month, avg_dau=round(float(avg), 6), mau=users,
                                     stickiness=_ratio(avg, int(users))))
    return {"dau": dau, "wau": wau, "mau": mau, "rolling_active": rolling,
            "stickiness": stickiness}
