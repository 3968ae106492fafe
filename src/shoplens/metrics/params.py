"""The metrics' parameter object and the period arithmetic every query form shares."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Grain = Literal["day", "week", "month"]
Form = Literal["optimized", "naive"]


class MetricsParams(BaseModel):
    """What to measure.

    Parameters
    ----------
    start, end
        First and last day of the range (inclusive, UTC). ``None`` takes the first or last
        day with an event.
    grain
        Period of the revenue series: ``day``, ``week`` (Monday weeks) or ``month``.
    window_hours
        Funnel conversion window: a cart or purchase counts when it happens at most this
        long after the funnel's entry (the first view).
    top_n
        Length of the top products, categories and brands lists.
    form
        ``optimized`` (rollups; the default) or ``naive`` (straight from the raw events).
        Both return identical results; the naive form exists to be benchmarked against.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date | None = None
    end: date | None = None
    grain: Grain = "day"
    window_hours: float = Field(24.0, gt=0, le=24 * 366)
    top_n: int = Field(10, ge=1, le=10_000)
    form: Form = "optimized"

    @model_validator(mode="after")
    def _ordered(self) -> MetricsParams:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"--from {self.start} is after --to {self.end}")
        return self

    @property
    def window_seconds(self) -> int:
        return round(self.window_hours * 3600)


def week_start(d: date) -> date:
    """Monday of ``d``'s week, as PostgreSQL's ``date_trunc('week')``."""
    return d - timedelta(days=d.weekday())


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def period_bounds(grain: Grain, first: date, last: date) -> tuple[date, date]:
    """``[lo, hi)`` covering every ``grain`` period that overlaps ``[first, last]``."""
    if grain == "day":
        return first, last + timedelta(days=1)
    if grain == "week":
        return week_start(first), week_start(last) + timedelta(days=7)
    return month_start(first), next_month(last)


def full_month_bounds(first: date, last: date) -> dict[str, date]:
    """The whole calendar months inside ``[first, last]`` as ``[full_month_lo,
    full_month_hi)``: a total over the range reads their month rows and the day rows of
    the days outside them. Without a whole month both bounds are ``first`` (every day
    is read from the day rows)."""
    lo = month_start(first) if first.day == 1 else next_month(first)
    hi = month_start(last + timedelta(days=1))
    if lo >= hi:
        lo = hi = first
    return {"full_month_lo": lo, "full_month_hi": hi}


def bind_values(params: MetricsParams, first: date, last: date) -> dict[str, Any]:
    """Every placeholder value of the metric queries for the range ``[first, last]``."""
    values: dict[str, Any] = {}
    for grain in ("day", "week", "month"):
        lo, hi = period_bounds(grain, first, last)
        values[f"{grain}_lo"], values[f"{grain}_hi"] = lo, hi
    values["period_lo"], values["period_hi"] = period_bounds(params.grain, first, last)
    values.update(grain=params.grain, roll_first=first, roll_last=last,
                  top_n=params.top_n, window_s=params.window_seconds)
    values.update(full_month_bounds(first, last))
    return values
