"""Anomalous days of one daily series: forecasts day by day, iterative masking, CUSUM.

For every day of the watched period, the model is fitted on the days before it (history
anomalies already masked) and forecasts the day (a fit costs about a millisecond, so
the forecast never lags a moving trend by a week); a day whose value falls outside the
prediction interval by at least the sensitivity's smallest deviation is a ``drop`` or a
``spike``. Flagged days, declared holidays and days without data are then replaced by
their expected value before the next fit, so that an anomaly never becomes the model's
idea of normal (iterative masking). A slow drift, each day within its interval but all
on one side, is caught by a two-sided CUSUM of the standardized residuals (Page 1954)
and reported as ``drift`` (not masked: the model may follow a slow change). After
:data:`ACCEPT_DAYS` days in a row flagged on one side, the level is accepted as the new
normal: those days are unmasked and the model's trend gets a step (a level shift) on the
run's first day, so its level is read from the run's days alone and the next days are
judged against the new level at once (masking them for longer would hold on to the old
level, and alert, for ever; without the step, the local trend line bent towards the new
level over weeks and kept alerting while it lagged): one incident alerts for a few days,
then the model re-baselines.

A second series, ``held``, keeps the level before such a change: the accepted run and the
drift days stay masked there. While the two differ, a second model is fitted on ``held``;
a day that leaves the current interval towards the old level and lands inside the old
level's interval is a return to normal, not an anomaly: the change's days are masked
again and the model refits from the next day (without this, the end of an outage or of
a drift the model had followed alerted as a spike for two weeks). A change that lasts
:data:`PERMANENT_DAYS` is the new normal for good: the old level is forgotten.

A return is also re-anchored: the shop may have grown while the change lasted, so the day
back gets a level step too, and the next days are judged against the level it came back
to. A day back *past* the old level, the way the old level's trend was going (a growing
shop after an outage or a drift), alerts (it is off the old level too) and is masked; a
next day off on the same side within :data:`RETURN_DAYS` is the new level at once, instead
of after :data:`ACCEPT_DAYS` more alerts. A return at the old level is checked by the next
day: if that day is off again towards the change's level, the day "back" was an anomaly
of its own (an outage just after a rise), not the change's end: the state before it is
restored and the day alerts, a day late.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shoplens.alerts.model import (
    MIN_DAYS,
    SPREAD_DAYS,
    WEEKLY_MIN_DAYS,
    WEEKLY_WINDOW,
    YEARLY_MIN_DAYS,
    SeasonalForecaster,
    robust_scale,
)
from shoplens.alerts.returns import (
    BACK_PAST,
    NOT_BACK,
    RETURN_DAYS,
    carried_level,
    returns_to,
)

#: days forecast from one fit (1: refit every day; a week-ahead forecast lagged the
#: November growth and the CUSUM called that lag a drift)
BLOCK = 1
#: CUSUM allowance (in standard deviations): shifts smaller than this are ignored
CUSUM_K = 0.5
#: a level is accepted as the new normal after this many days in a row flagged on one side
ACCEPT_DAYS = 4
#: days of history before the judged period re-forecast to measure the forecast errors
WARMUP = 35
#: forecast errors needed before they set the interval's spread
MIN_ERRORS = 14
#: remainder scale -> forecast error scale, until forecast errors are known
INFLATE = 1.8
#: standard deviations of Poisson noise a count must leave to be a point anomaly
POISSON_SD = 2.0
#: history remainder beyond this many standard deviations is masked before fitting
HISTORY_Z = 3.5
#: days away from the level before a change after which that level is forgotten
PERMANENT_DAYS = 28


@dataclass
class DetectOptions:
    z: float = 3.2
    min_deviation: float = 0.15
    cusum_h: float = 8.0
    #: offset of the log transform (1 for counts and money; a small share of the median
    #: for ratios)
    offset: float | None = None
    #: the series counts things: a day also needs a deviation beyond Poisson noise
    #: (``|actual - expected| > 2 sqrt(expected)``), so that 1 order against 2.1 expected
    #: in a tiny shop does not alert
    counts: bool = False


@dataclass
class SeriesResult:
    """Each day of the watched period: actual, expected, interval and verdict."""

    frame: pd.DataFrame
    model: str
    notes: list[str] = field(default_factory=list)


def _offset(y: np.ndarray, opts: DetectOptions) -> float:
    if opts.offset is not None:
        return opts.offset
    pos = y[np.isfinite(y) & (y > 0)]
    med = float(np.median(pos)) if len(pos) else 1.0
    return 1.0 if med >= 5 else max(1e-6, 0.05 * med)


def _fill(z: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked days replaced by the median of the same weekday in the weeks around them
    (only to fit the model; such days are reported, never shown as data)."""
    out = z.copy()
    idx = np.flatnonzero(mask)
    for i in idx:
        around = [i + 7 * k for k in (-3, -2, -1, 1, 2, 3)]
        vals = [z[j] for j in around if 0 <= j < len(z) and not mask[j]]
        if not vals:
            near = z[~mask]
            vals = [float(np.median(near))] if len(near) else [0.0]
        out[i] = float(np.median(vals))
    return out


def detect_series(values: pd.Series, start: pd.Timestamp, opts: DetectOptions, *,
                  declared: pd.Series | None = None, missing: pd.Series | None = None
                  ) -> SeriesResult:
    """Judge every day from ``start`` on of a daily series.

    Parameters
    ----------
    values
        Daily values indexed by day (the whole history; NaN where unknown).
    start
        First day judged; the days before are history only.
    declared
        Holiday/promotion name per day (``None`` elsewhere): fitted around, never alerting.
    missing
        ``True`` on days without data (reported by the data-quality checks).

    Returns
    -------
    SeriesResult
        ``frame`` indexed by day from ``start``: ``actual``, ``expected``, ``lower``,
        ``upper``, ``z``, ``deviation`` (relative), ``kind`` (``drop``, ``spike``,
        ``drift`` or ``None``), ``declared`` and ``missing``.
    """
    days = values.index
    y = values.to_numpy(dtype=float)
    n = len(y)
    declared = declared if declared is not None else pd.Series(None, index=days, dtype=object)
    missing = missing if missing is not None else pd.Series(False, index=days)
    miss = missing.reindex(days, fill_value=False).to_numpy(bool) | ~np.isfinite(y)
    decl = declared.reindex(days).notna().to_numpy(bool)
    c = _offset(y, opts)
    z = np.log(np.clip(np.where(np.isfinite(y), y, 0.0), 0.0, None) + c)
    mask = miss | decl
    first = int(np.searchsorted(days, start))
    first = max(first, MIN_DAYS)
    notes = []
    if first >= n:
        raise ValueError(f"nothing to judge: {n} days, first judged day {first}")
    if first < WEEKLY_MIN_DAYS:
        notes.append(f"only {first} days of history before {days[first].date()}: the weekly "
                     f"season needs {WEEKLY_MIN_DAYS}; until then expected values are the "
                     "median of the previous 7 days")
    yearly = first >= YEARLY_MIN_DAYS
    if not yearly and n >= 365:
        notes.append(f"the yearly season needs {YEARLY_MIN_DAYS} days of history "
                     f"({first} before the first judged day): weekly season and trend only")

    # mask history outliers once: a robust fit of the history, far remainders replaced
    if first >= WEEKLY_MIN_DAYS:
        hist = _fill(z[:first], mask[:first])
        # the days the first fits read (the whole history for a yearly model)
        m = SeasonalForecaster(yearly=yearly).fit(
            hist, window=None if yearly else WEEKLY_WINDOW + WARMUP)
        lo = first - len(m.fitted_)
        far = np.abs(hist[lo:] - m.fitted_) > HISTORY_Z * m.sigma_
        mask[lo:first] |= far
    clean = _fill(z, mask)

    mean = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    kind: list[str | None] = [None] * n
    models = []
    errors: list[float] = []  # out-of-sample errors of normal days: the interval's spread
    flags = np.zeros(n, dtype=np.int8)  # -1 / +1 on flagged days, while masked
    s_lo = s_hi = 0.0
    # where the current one-sided run of low (high) residuals began, and the last change
    # reported: (side, first day of its run, last flagged day)
    run_lo = run_hi = 0
    change_at: tuple[int, int, int] | None = None
    # the series as it was before a disturbance (an accepted level, a drift): its days
    # stay masked here, so that a return to the old level is known as one
    held = clean.copy()
    mean_h = np.full(n, np.nan)
    sigma_h = np.full(n, np.nan)
    off_since: int | None = None  # first day of the current run away from the old level
    # days the level shifted (a change accepted, a return from one): steps of the trend
    shifts: list[int] = []
    # after a return past the old level: (side, last day) a day off that way is accepted
    rebase: tuple[int, int] | None = None
    undo: dict | None = None  # the state before the last return, until the next day
    # a warm-up over the last weeks of history measures the forecasts' own errors
    begin = max(first - WARMUP, WEEKLY_MIN_DAYS if first >= WEEKLY_MIN_DAYS else MIN_DAYS)
    b = begin
    while b < n:
        h = min(BLOCK, n - b, first - b if b < first else BLOCK)
        model = SeasonalForecaster(yearly=yearly).fit(clean[:b], shifts=shifts)
        fc = model.predict(h)
        spread = (robust_scale(np.array(errors[-SPREAD_DAYS:]), floor=0.02)
                  if len(errors) >= MIN_ERRORS else INFLATE * model.sigma_)
        if model.anchor_days_ is not None:
            # a level read from k days after a shift is uncertain by sigma / sqrt(k)
            spread *= np.sqrt(1.0 + 1.0 / model.anchor_days_)
        mean[b:b + h], sigma[b:b + h] = fc.mean, spread * fc.sigma / fc.sigma[0]
        if b >= first:
            models.append(model.model_)
        w = max(0, b - WEEKLY_WINDOW)
        disturbed = b >= first and not np.array_equal(held[w:b], clean[w:b])
        # which way the change went (its days above or below the old level)
        change = float(np.sign(np.sum(clean[w:b] - held[w:b])))
        if disturbed:
            since = w + int(np.flatnonzero(held[w:b] != clean[w:b])[0])
            fh = SeasonalForecaster(yearly=yearly).fit(
                held[:b], shifts=[k for k in shifts if k < since]).predict(h)
            mean_h[b:b + h], sigma_h[b:b + h] = fh.mean, spread * fh.sigma / fh.sigma[0]
        for i in range(b, b + h):
            if miss[i] or decl[i]:
                clean[i] = mean[i]
                held[i] = mean_h[i] if disturbed else mean[i]
                continue
            zi = (z[i] - mean[i]) / sigma[i]
            dev = np.exp(z[i] - mean[i]) - 1.0
            if i < first:  # warm-up: learn the spread, mask what is far off
                if abs(zi) > opts.z:
                    clean[i] = held[i] = mean[i]
                else:
                    errors.append(z[i] - mean[i])
                continue
            noise = False
            if opts.counts:  # within counting noise: no point anomaly (a drift may still be)
                e = max(float(np.exp(mean[i]) - c), 1.0)
                noise = abs(y[i] - e) <= POISSON_SD * np.sqrt(e)
            if abs(zi) > opts.z and abs(dev) >= opts.min_deviation and not noise:
                kind[i] = "drop" if zi < 0 else "spike"
            else:  # point anomalies stay out of the drift's running sums
                run_lo = i if s_lo == 0.0 else run_lo
                run_hi = i if s_hi == 0.0 else run_hi
                s_lo = max(0.0, s_lo - zi - CUSUM_K)
                s_hi = max(0.0, s_hi + zi - CUSUM_K)
                if (s_lo > opts.cusum_h and dev <= -opts.min_deviation) or (
                        s_hi > opts.cusum_h and dev >= opts.min_deviation):
                    kind[i] = "drift"  # not masked: the model may follow a slow change
            if undo is not None and i == undo["day"] + 1 and kind[i] in ("drop", "spike") \
                    and (1 if zi > 0 else -1) == undo["change"][0]:
                # the day after a return is off again, towards the change's level: the
                # day "back" was an outlier of its own (an outage), not the change's end;
                # it alerts (a day late) and the change goes on
                d0 = undo["day"]
                clean, held, shifts, flags = undo["clean"], undo["held"], undo["shifts"], \
                    undo["flags"]
                change_at, rebase = undo["change"], undo["rebase"]
                s_lo, s_hi, run_lo, run_hi = undo["cusum"]
                del errors[undo["errors"]:], notes[undo["notes"]:]
                kind[d0] = "drop" if z[d0] < mean[d0] else "spike"
                flags[d0] = -1 if z[d0] < mean[d0] else 1
                clean[d0] = mean[d0]
                notes.append(f"{days[d0].date()}: not the end of the change after all (the "
                             "next day is off again): an anomaly of its own")
                undo, kind[i] = None, None
                h = i - b  # judge this day again with the change restored
                break
            back = NOT_BACK if kind[i] is None or change_at is None else returns_to(
                change_at, i, zi, z, clean, sigma[i], opts.z, yearly, shifts)
            if back:
                # back at the level from before a change the model had followed (a drift,
                # an accepted level): not an anomaly; the change's days leave the model
                undo = {"day": i, "clean": clean.copy(), "held": held.copy(),
                        "shifts": list(shifts), "flags": flags.copy(), "change": change_at,
                        "rebase": rebase, "cusum": (s_lo, s_hi, run_lo, run_hi),
                        "errors": len(errors), "notes": len(notes)} \
                    if back != BACK_PAST else None
                lo_c = change_at[1]
                shifts = [k for k in shifts if k < lo_c]
                ref = SeasonalForecaster(yearly=yearly).fit(clean[:lo_c], shifts=shifts)
                clean[lo_c:i] = carried_level(ref, i - lo_c)
                held[:i] = clean[:i]
                change_at = None
                flags[:] = 0
                s_lo = s_hi = 0.0
                if back == BACK_PAST:
                    # back past the old level, the way the level was going (the shop grew
                    # meanwhile): the day alerts (it is off the old level too) and is
                    # masked; a next day off on the same side is the new level at once
                    rebase = (1 if zi > 0 else -1, i + RETURN_DAYS)
                    flags[i] = rebase[0]
                    clean[i] = mean[i]
                    notes.append(f"{days[i].date()}: back past the level before the change "
                                 f"of {days[lo_c].date()}; the days of the change are left "
                                 "out of the model again")
                    h = i + 1 - b
                    break
                kind[i] = None
                shifts.append(i)  # back, but maybe not exactly where it was: re-anchor
                notes.append(f"{days[i].date()}: back at the level before the change of "
                             f"{days[lo_c].date()}; the days of the change are left out of "
                             "the model again")
                errors.append(0.0)
                h = i + 1 - b
                break
            if kind[i] is not None and i >= first:
                side_i = 1 if zi > 0 else -1
                # a drift crept in before its first flagged day: its change begins
                # where its one-sided run of residuals began
                crept = s_hi if side_i > 0 else s_lo
                start_i = (run_hi if side_i > 0 else run_lo) \
                    if kind[i] == "drift" or crept > CUSUM_K else i
                if change_at is not None and change_at[0] == side_i \
                        and i - change_at[2] <= RETURN_DAYS:
                    change_at = (side_i, change_at[1], i)
                else:
                    change_at = (side_i, start_i, i)
            zh = (z[i] - mean_h[i]) / sigma_h[i] if disturbed else zi
            if disturbed and kind[i] is not None and zi * change < 0 and abs(zh) <= opts.z:
                # back at the level before the disturbance: not an anomaly, and the
                # disturbance is over, so the model forgets it (its days masked again)
                kind[i] = None
                shifts = [k for k in shifts if k < since]
                shifts.append(i)  # back near the old level: re-anchor the level here
                clean[:i] = held[:i]
                mean[i:b + h], sigma[i:b + h] = mean_h[i:b + h], sigma_h[i:b + h]
                flags[:] = 0
                s_lo = s_hi = 0.0
                disturbed, off_since = False, None
                notes.append(f"{days[i].date()}: back at the level before the change; the "
                             "days of the change are left out of the model again")
                errors.append(z[i] - mean[i])
                held[i] = clean[i] = z[i]
                h = i + 1 - b  # refit from the next day on
                break
            if disturbed and abs(zh) > opts.z:
                off_since = i if off_since is None else off_since
                if i - off_since + 1 > PERMANENT_DAYS:
                    held[:i] = clean[:i]  # the old level is not coming back: forget it
                    off_since = None
            else:
                off_since = None
            if kind[i] is None:
                errors.append(z[i] - mean[i])
                held[i] = z[i] if not (disturbed and abs(zh) > opts.z) else mean_h[i]
                continue
            held[i] = mean_h[i] if disturbed else mean[i]
            if kind[i] == "drift":
                continue
            side = 1 if zi > 0 else -1
            flags[i] = side
            clean[i] = mean[i]
            j0 = i
            while j0 > first and flags[j0 - 1] == side:
                j0 -= 1
            # after a return past the old level, one more day off is enough
            need = 1 if rebase is not None and rebase[0] == side and i <= rebase[1] \
                else ACCEPT_DAYS + 1
            if i - j0 + 1 >= need:
                # the level has moved and stays: unmask the run so the model follows it,
                # instead of holding on to the old level (and alerting) for ever
                clean[j0:i + 1] = z[j0:i + 1]
                flags[j0:i + 1] = 0
                shifts.append(j0)  # a level shift: the level is read from the run on
                notes.append(f"{days[i].date()}: the level {'above' if side > 0 else 'below'}"
                             f" the expected one since {days[j0].date()} is taken as the "
                             "new normal (a level shift)")
                h = i + 1 - b  # refit from the next day on
                break
        if s_lo > 3 * opts.cusum_h or s_hi > 3 * opts.cusum_h:
            s_lo = s_hi = 0.0  # a drift long reported: start counting afresh
        b += h
    sl = slice(first, n)
    expected = np.exp(mean[sl]) - c
    frame = pd.DataFrame({
        "actual": np.where(miss[sl], np.nan, y[sl]),
        "expected": np.maximum(expected, 0.0),
        "lower": np.maximum(np.exp(mean[sl] - opts.z * sigma[sl]) - c, 0.0),
        "upper": np.exp(mean[sl] + opts.z * sigma[sl]) - c,
        "z": (z[sl] - mean[sl]) / sigma[sl],
        "kind": kind[first:],
        "declared": declared.reindex(days).to_numpy(object)[sl],
        "missing": miss[sl],
    }, index=days[sl])
    frame["deviation"] = np.where(frame["expected"] > 0,
                                  frame["actual"] / frame["expected"].where(
                                      frame["expected"] > 0) - 1.0, np.nan)
    frame.loc[frame["missing"], ["z", "deviation"]] = np.nan
    model_name = max(set(models), key=models.count) if models else "none"
    return SeriesResult(frame, model_name, notes)


__all__ = ["DetectOptions", "SeriesResult", "detect_series", "robust_scale"]
