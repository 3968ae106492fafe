"""The shop's calendar: how busy each day is (weekly and yearly season, sale days) and
how to draw times that follow it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

#: traffic by weekday, Monday first: weekends are busier
WEEKDAY = np.array([0.97, 0.93, 0.93, 0.95, 1.00, 1.12, 1.18])
#: traffic by month (January first) at mid-month; interpolated between months
MONTH = np.array([0.86, 0.85, 0.92, 0.95, 0.95, 0.92, 0.90, 0.92, 0.98, 1.03, 1.30, 1.42])
DAY = 86_400


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    # clamp the day to the target month's length
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _black_friday(year: int) -> date:
    nov1 = date(year, 11, 1)
    first_thu = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thu + timedelta(days=22)  # the day after the fourth Thursday


def _yearly(d: date) -> float:
    """Smooth month curve plus the sale days and the Christmas drop."""
    # position within the year in months, interpolated between mid-month anchors
    pos = (d.month - 1) + (d.day - 15) / 30.0
    lo = int(np.floor(pos)) % 12
    hi = (lo + 1) % 12
    frac = pos - np.floor(pos)
    f = MONTH[lo] * (1 - frac) + MONTH[hi] * frac
    bf = _black_friday(d.year)
    delta = (d - bf).days
    if delta == 0:
        f *= 2.3
    elif delta in (1, 2):
        f *= 1.5
    elif delta == 3:  # Cyber Monday
        f *= 1.8
    if d.month == 12 and d.day >= 24:
        f *= 0.75 if d.day <= 26 else 0.9
    return float(f)


@dataclass(frozen=True)
class Calendar:
    """The generated period and its daily traffic weights (mean 1 over the period).

    ``cum`` holds the cumulative weight at each midnight, so that the weight of any span
    of time, and the inverse (a time for a quantile of weight), are linear interpolations.
    """

    start: date
    end: date  # exclusive
    t0: int  # start as Unix seconds
    weights: np.ndarray
    cum: np.ndarray

    @classmethod
    def build(cls, start: date, months: int) -> Calendar:
        end = _add_months(start, months)
        n = (end - start).days
        days = [start + timedelta(days=i) for i in range(n)]
        w = np.array([WEEKDAY[d.weekday()] * _yearly(d) for d in days])
        w = w / w.mean()
        cum = np.concatenate([[0.0], np.cumsum(w)])
        t0 = int((np.datetime64(start, "s") - np.datetime64(0, "s")).astype(np.int64))
        return cls(start, end, t0, w, cum)

    @property
    def n_days(self) -> int:
        return len(self.weights)

    @property
    def t_end(self) -> int:
        return self.t0 + self.n_days * DAY

    def weight_at(self, t: np.ndarray) -> np.ndarray:
        """Cumulative traffic weight (in mean days) up to Unix time ``t``."""
        return np.interp((t - self.t0) / DAY, np.arange(self.n_days + 1), self.cum)

    def time_at(self, w: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`weight_at`: Unix time (float seconds) at cumulative weight ``w``."""
        return self.t0 + np.interp(w, self.cum, np.arange(self.n_days + 1)) * DAY

    def day_weight(self, t: np.ndarray) -> np.ndarray:
        """Traffic weight of the day that contains ``t``."""
        idx = np.clip(((t - self.t0) // DAY).astype(np.int64), 0, self.n_days - 1)
        return self.weights[idx]

    def day_conversion(self, t: np.ndarray) -> np.ndarray:
        """Conversion multiplier on the day of ``t``: busy days (sales, December) convert
        better, by the square root of their traffic weight."""
        return np.sqrt(np.clip(self.day_weight(t), 0.7, 2.0))

    def conversion_lift(self) -> float:
        """Mean of :meth:`day_conversion` over sessions (days weighted by traffic)."""
        lift = np.sqrt(np.clip(self.weights, 0.7, 2.0))
        return float((lift * self.weights).sum() / self.weights.sum())
