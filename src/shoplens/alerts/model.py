"""Expected values: trend plus weekly (and yearly) seasonality, with prediction intervals.

The weekly model is a robust local regression in numpy: a trend line weighted towards the
last day (tricube kernel, as LOESS at its boundary; Cleveland 1979) plus weekday effects,
fitted by iteratively reweighted least squares with Tukey's bisquare as robust STL does
(Cleveland et al. 1990). It is fitted on the log of the metric so that the weekly season
scales with the level. With two years of history, statsmodels' MSTL (Bandara, Hyndman and
Bergmeir 2021) adds the yearly season (imported only then: statsmodels and the scipy.signal
it pulls in cost 1.5 to 3 s of import on every cold ``shoplens alerts``). A forecast is the
trend's last value carried on with the (damped) slope, plus the last cycle of each
seasonal component; its spread is the robust (MAD) scale of the recent remainder, widened
with the horizon. Where the detector knows the level shifted (a change accepted, a
return from one), the trend gets a step there (a level shift, as a state-space model's
level intervention or a changepoint of the level): the level after it is read from the
days after it only. Why not STL or statsforecast's MSTL/AutoETS: docs/alerts.md
(measured in benchmarks/alerts_bench.py).

Fitted models follow scikit-learn: :meth:`fit` returns the model, learned values end in
``_``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: days of history the weekly season needs (four cycles), and the yearly one
WEEKLY_MIN_DAYS = 28
YEARLY_MIN_DAYS = 730
#: fewest days any model needs (the fallback: median of the previous week)
MIN_DAYS = 7
#: days of history each weekly fit reads (older days no longer say much about next week)
WEEKLY_WINDOW = 112
#: damping of the trend's slope per day ahead (1: none; forecasts are one day ahead)
PHI = 1.0
#: days of remainder the spread is measured on (noise changes with the level)
SPREAD_DAYS = 56
#: growth of the spread's variance per day ahead (the trend's end is uncertain too)
HORIZON_VARIANCE = 0.08
MAD = 1.4826
#: days the local trend line reads (tricube weights, heaviest on the last day)
TREND_SPAN = 28
#: weight every day of the window keeps, so the weekday effects read all of it
KERNEL_FLOOR = 0.05
#: reweighting passes of the robust fit (the first one is plain least squares)
ROBUST_PASSES = 5
#: tiny ridge so a window of constant values still solves
RIDGE = 1e-9


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
    """Robust local trend + weekday (MSTL with 2 years) on a daily series, forecasting ahead.

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
        #: days since the last level shift the fit was given (``None``: none in its window)
        self.anchor_days_: int | None = None

    @staticmethod
    def kind(n_days: int) -> str:
        """Which model ``n_days`` of history allow."""
        if n_days >= YEARLY_MIN_DAYS:
            return "mstl"
        if n_days >= WEEKLY_MIN_DAYS:
            return "stl"
        return "median"

    def fit(self, y: np.ndarray, *, window: int | None = WEEKLY_WINDOW,
            shifts: Sequence[int] = ()) -> SeasonalForecaster:
        """Fit on ``y`` (model scale, no NaN); the weekly model reads the last ``window``
        days only (``None``: all). ``shifts``: days (indices of ``y``) where the level
        shifted (a change accepted, a return from one): the weekly model's trend gets a
        step there, so its level after the shift is read from the days after it only."""
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
        if kind == "mstl":
            from statsmodels.tsa.seasonal import MSTL  # imported only for 2 years of data

            self.model_ = "MSTL robust, weekly+yearly"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = MSTL(y, periods=(self.period, 365),
                           stl_kwargs={"robust": True}).fit()
            seasonal = np.asarray(res.seasonal).reshape(n, -1)
            self.seasons_ = [seasonal[-p:, i] for i, p in enumerate((self.period, 365))]
        else:
            if window is not None:
                y = y[-window:]
            steps = [k - (n - len(y)) for k in shifts]
            self.window_ = len(y)
            return self._fit_local(y, [k for k in steps if 0 < k < len(y)])
        trend = np.asarray(res.trend)
        self.level_ = float(trend[-1])
        self.slope_ = float(trend[-1] - trend[-1 - self.period]) / self.period
        self.resid_ = np.asarray(res.resid)
        #: in-sample trend plus seasons of the fitted window (to mask outliers of history)
        self.fitted_ = y - self.resid_
        self.weights_ = np.asarray(res.weights) if res.weights is not None else np.ones(n)
        self.sigma_ = robust_scale(self.resid_[-SPREAD_DAYS:], floor=0.02)
        return self

    def _fit_local(self, y: np.ndarray, steps: Sequence[int] = ()) -> SeasonalForecaster:
        """Robust local-linear trend plus weekday effects, by backfitting: the weekday
        effects (summing to zero) are read from the whole window of detrended values, the
        trend is a line through the deseasonalized values weighted towards the window's end
        (tricube kernel over :data:`TREND_SPAN` days, as LOESS at its boundary), and each
        pass down-weights days far from the fit with Tukey's bisquare (6 MAD, as robust
        STL). A step at each of ``steps`` (a level shift, Prophet's changepoint of the
        level rather than of the slope) lets the level after it be read from the days
        after it only, with the slope and the weekday effects read from all days."""
        n = len(y)
        p = self.period
        t = np.arange(n, dtype=float) - (n - 1)  # 0 on the last day
        span = max(float(TREND_SPAN), 2.0 * p)
        u = np.clip(-t / span, 0.0, 1.0)
        kernel = (1.0 - u ** 3) ** 3 + KERNEL_FLOOR  # the line still sees old days a little
        dow = (np.arange(n) - (n - 1)) % p  # 0: the last day's weekday
        onehot = np.zeros((n, p))
        onehot[np.arange(n), dow] = 1.0
        idx = np.arange(n)
        x = np.column_stack([np.ones(n), t, *[(idx >= k).astype(float) for k in sorted(set(steps))]])
        self.anchor_days_ = n - max(steps) if len(steps) else None
        robust = np.ones(n)
        trend = np.full(n, float(np.median(y)))
        for _ in range(ROBUST_PASSES):
            for _ in range(2):  # backfitting: season given trend, trend given season
                wr = onehot * robust[:, None]
                effects = (wr.T @ (y - trend)) / np.maximum(wr.sum(axis=0), 1e-9)
                effects -= effects.mean()
                season = effects[dow]
                w = kernel * robust
                xw = x * w[:, None]
                beta = np.linalg.solve(xw.T @ x + RIDGE * np.eye(x.shape[1]),
                                       xw.T @ (y - season))
                trend = x @ beta
            resid = y - trend - season
            h = 6.0 * max(float(np.median(np.abs(resid[robust > 0]))), 1e-9)
            robust = np.clip(1.0 - (resid / h) ** 2, 0.0, None) ** 2
        self.model_ = "robust local trend + weekday"
        self.level_ = float(x[-1] @ beta)  # every step is on by the last day
        self.slope_ = float(beta[1])
        # the season of the next cycle: day k ahead has weekday offset k mod p
        self.seasons_ = [effects[np.arange(1, p + 1) % p]]
        self.resid_ = resid
        self.fitted_ = y - resid
        self.weights_ = robust
        self.sigma_ = robust_scale(resid[-SPREAD_DAYS:], floor=0.02)
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
