"""Synthetic daily series for the detector's unit tests: a shop-like weekly season and a
growing trend with Poisson noise, and anomalies placed at known days."""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEK = np.array([0.97, 0.93, 0.93, 0.95, 1.00, 1.12, 1.18])
START = pd.Timestamp("2024-01-01")  # a Monday


def series(days: int = 140, level: float = 400.0, seed: int = 1,
           multipliers: dict[int, float] | None = None) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    mean = level * WEEK[t % 7] * (1 + 0.002 * t)
    for day, m in (multipliers or {}).items():
        mean[day] *= m
    idx = pd.date_range(START, periods=days, freq="D", name="day")
    return pd.Series(rng.poisson(mean).astype(float), index=idx)
