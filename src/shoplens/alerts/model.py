"""Expected values: trend plus weekly (and yearly) seasonality, with prediction intervals.

The model is statsmodels' STL with robust fitting (Cleveland et al. 1990, "STL: A
Seasonal-Trend Decomposition Procedure Based on Loess"), or MSTL (Bandara, Hyndman and
Bergmeir 2021) with a yearly period once two years of history exist, fitted on the log
of the metric so that a weekly or yearly season scales with the level. A forecast is the
trend's last value carried on with a damped slope, plus the last cycle of each seasonal
component; its spread is the robust (MAD) scale of the recent remainder, widened with the
horizon. Why STL and not statsforecast's MSTL/AutoETS: docs/alerts.md (measured in
benchmarks/alerts_bench.py).

Fitted models follow scikit-learn: :meth:`fit` returns the model, learned values end in
``_``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

#: days of history the weekly season needs (four cycles), and the yearly one
WEEKLY_MIN_DAYS = 28
YEARLY_MIN_DAYS = 730
#: fewest days any model needs (the fallback: median of the previous week)
MIN_DAYS = 7
#: days of history each weekly fit reads (older days no longer say much about next week)
WEEKLY_WINDOW = 112
#: damping of the trend's slope per day ahead
PHI = 0.8
#: days of remainder the spread is measured on (noise changes with the level)
SPREAD_DAYS = 56
#: growth of the spread's variance per day ahead (the trend's end is uncertain too)
HORIZON_VARIANCE = 0.08
MAD = 1.4826
#: STL smoothers (odd, in days for the trend, in cycles for the season)
SEASONAL = 13
TREND = 43
#: LOESS passes: 2 inner, 4 robustness (statsmodels' 15 cost 5x for no gain measured)
INNER_ITER, OUTER_ITER = 2, 4


def robust_scale(x: np.ndarray, floor: float = 1e-3) -> float:
    """MAD of ``x`` scaled to a normal standard deviation (ignores NaN)."""
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return max(floor, float(np.std(x)) if len(x) else floor)
    return max(floor, MAD * float(np.median(np.abs(x - np.median(x)))))


@dataclass
class Forecast:
    """Mean and standard deviation of each day ahead, on the model's (log) scale."""

    mean: np.ndarray
    sigma: np.ndarray
    model: str


class SeasonalForecaster:
    """Robust STL/MSTL on a daily series, forecasting the next days.

    Parameters
    ----------
    period
        The short season in days (7: the week).
    yearly
        Add a 365-day season (MSTL); needs :data:`YEARLY_MIN_DAYS` of history.
    """

    def __init__(self, period: int = 7, *, yearly: bool = False) -> None:
        self.period = period
        self.yearly = yearly
        #: the last cycle of each seasonal component
        self.seasons_: list[np.ndarray] = []

    @staticmethod
    def kind(n_days: int) -> str:
        """Which model ``n_days`` of history allow."""
        if n_days >= YEARLY_MIN_DAYS:
            return "mstl"
        if n_days >= WEEKLY_MIN_DAYS:
            return "stl"
        return "median"

    def fit(self, y: np.ndarray, *, window: int | None = WEEKLY_WINDOW) -> SeasonalForecaster:
        """Fit on ``y`` (model scale, no NaN); the weekly model reads the last ``window``
        days only (``None``: all)."""
        y = np.asarray(y, dtype=float)
        n = len(y)
        if n < MIN_DAYS:
            raise ValueError(f"need at least {MIN_DAYS} days of history, got {n}")
        kind = self.kind(n) if (self.yearly or n < YEARLY_MIN_DAYS) else "stl"
        if kind == "median":
            self.model_ = "median of 7 days"
            last = y[-MIN_DAYS:]
            self.level_ = float(np.median(last))
            self.slope_ = 0.0
            self.seasons_ = []
            self.sigma_ = robust_scale(y[-2 * MIN_DAYS:] - self.level_, floor=0.02)
            self.resid_ = y - self.level_
            self.fitted_ = np.full(n, self.level_)
            self.weights_ = np.ones(n)
            return self
        from statsmodels.tsa.seasonal import MSTL, STL

        if kind == "mstl":
            self.model_ = "MSTL robust, weekly+yearly"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = MSTL(y, periods=(self.period, 365),
                           stl_kwargs={"robust": True}).fit()
            seasonal = np.asarray(res.seasonal).reshape(n, -1)
            self.seasons_ = [seasonal[-p:, i] for i, p in enumerate((self.period, 365))]
        else:
            self.model_ = "STL robust, weekly"
            if window is not None:
                y = y[-window:]
            self.window_ = len(y)
            n = len(y)
            res = STL(y, period=self.period, robust=True, seasonal=SEASONAL, seasonal_deg=0,
                      trend=TREND).fit(inner_iter=INNER_ITER, outer_iter=OUTER_ITER)
            self.seasons_ = [np.asarray(res.seasonal)[-self.period:]]
        trend = np.asarray(res.trend)
        self.level_ = float(trend[-1])
        self.slope_ = float(trend[-1] - trend[-1 - self.period]) / self.period
        self.resid_ = np.asarray(res.resid)
        #: in-sample trend plus seasons of the fitted window (to mask outliers of history)
        self.fitted_ = y - self.resid_
        self.weights_ = np.asarray(res.weights) if res.weights is not None else np.ones(n)
        self.sigma_ = robust_scale(self.resid_[-SPREAD_DAYS:], floor=0.02)
        return self

    def predict(self, horizon: int) -> Forecast:
        """Mean and standard deviation of the next ``horizon`` days."""
        k = np.arange(1, horizon + 1)
        damp = np.cumsum(PHI ** k)
        mean = self.level_ + self.slope_ * damp
        for season in self.seasons_:
            p = len(season)
            mean = mean + season[(k - 1) % p]
        sigma = self.sigma_ * np.sqrt(1.0 + HORIZON_VARIANCE * (k - 1))
        return Forecast(mean, sigma, self.model_)
