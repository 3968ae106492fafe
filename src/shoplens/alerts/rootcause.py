"""Where an anomaly happened: the breakdown values that explain the deviation.

The ranking follows Adtributor (Bhagwan et al., "Adtributor: Revenue Debugging in
Advertising Systems", NSDI 2014). For each breakdown property (a *dimension*) and each of
its values (an *element*) on the anomalous day:

- expected value ``F_j``: the day's expected total times the element's usual share (the
  median of its share over the normal days of the previous four weeks);
- explanatory power ``EP_j = (A_j - F_j) / (A - F)``: the share of the gap the element
  accounts for (for a ratio ``A / B``, the paper's derived-measure formula);
- surprise ``S_j``: the element's term of the Jensen-Shannon divergence between the
  expected shares ``p_j = F_j / F`` and the actual ones ``q_j = A_j / A``.

Within a dimension, elements are taken by decreasing surprise while their EP exceeds
``T_EEP`` until the taken EP reaches ``T_EP``; dimensions are ranked by the summed
surprise of their taken elements. An explanation is only given when it is concentrated:
the taken elements' share of the gap exceeds their usual share of the metric by at
least :data:`MIN_EXCESS` (a drop spread evenly over every country names no country).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

#: Adtributor's thresholds: an element must explain >= 10 % of the gap, and a dimension's
#: explanation stops once it explains 67 %
T_EEP = 0.10
T_EP = 0.67
#: the explanation's share of the gap minus its usual share of the metric
MIN_EXCESS = 0.20
#: normal days looked back on for the usual shares
BASELINE_DAYS = 28
MAX_ELEMENTS = 3


@dataclass
class Cause:
    """One breakdown value's part in an anomaly."""

    property: str
    value: str
    actual: float
    expected: float
    share_of_gap: float  # explanatory power
    usual_share: float
    surprise: float

    def to_json(self) -> dict[str, object]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _js_terms(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log2(p / m), 0.0)
        b = np.where(q > 0, q * np.log2(q / m), 0.0)
    return 0.5 * (a + b)


def usual_shares(wide: pd.DataFrame, day: pd.Timestamp, normal: pd.Series) -> pd.Series:
    """Median share of each element over the normal days of the four weeks before ``day``."""
    idx = wide.index
    lo = idx.searchsorted(day - pd.Timedelta(days=BASELINE_DAYS))
    hi = idx.searchsorted(day)
    values = wide.to_numpy(float)[lo:hi]
    ok = normal.reindex(idx[lo:hi], fill_value=False).to_numpy(bool)
    if ok.any():
        values = values[ok]
    elif not len(values):
        values = wide.to_numpy(float)[max(0, hi - BASELINE_DAYS):hi]
    if not len(values):
        return pd.Series(0.0, index=wide.columns)
    totals = values.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, values / np.where(totals > 0, totals, 1.0), np.nan)
    med = np.nan_to_num(np.nanmedian(shares, axis=0)) if np.isfinite(shares).any() \
        else np.zeros(values.shape[1])
    total = med.sum()
    return pd.Series(med / total if total > 0 else med, index=wide.columns)


def explain(prop: str, actual: pd.Series, expected: pd.Series, *,
            actual_b: pd.Series | None = None, expected_b: pd.Series | None = None
            ) -> tuple[list[Cause], float]:
    """Adtributor's explanation within one dimension, and its surprise.

    ``actual``/``expected`` are the element values on the day (numerator for a ratio;
    ``actual_b``/``expected_b`` its denominator).
    """
    idx = actual.index.union(expected.index)
    a = actual.reindex(idx, fill_value=0.0).to_numpy(float)
    f = expected.reindex(idx, fill_value=0.0).to_numpy(float)
    a_tot, f_tot = a.sum(), f.sum()
    if a_tot <= 0 and f_tot <= 0:
        return [], 0.0
    p = f / f_tot if f_tot > 0 else np.zeros_like(f)
    q = a / a_tot if a_tot > 0 else np.zeros_like(a)
    surprise = _js_terms(p, q)
    if actual_b is None or expected_b is None:
        gap = a_tot - f_tot
        ep = (a - f) / gap if gap else np.zeros_like(a)
    else:  # ratio A / B: derived-measure explanatory power (Adtributor, section 3.2)
        b = actual_b.reindex(idx, fill_value=0.0).to_numpy(float)
        fb = expected_b.reindex(idx, fill_value=0.0).to_numpy(float)
        b_tot, fb_tot = b.sum(), fb.sum()
        if fb_tot <= 0 or b_tot <= 0:
            return [], 0.0
        num, den = (a - f) * fb_tot - (b - fb) * f_tot, fb_tot * (fb_tot + b - fb)
        # an element that held all of B before and none now has no defined share
        ep = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
        gap = a_tot / b_tot - f_tot / fb_tot
        ep = ep / gap if gap else np.zeros_like(ep)
        pb, qb = fb / fb_tot, b / b_tot
        surprise = surprise + _js_terms(pb, qb)
    order = np.argsort(-surprise, kind="stable")
    taken, total_ep = [], 0.0
    for j in order:
        if ep[j] <= T_EEP:
            continue
        taken.append(j)
        total_ep += ep[j]
        if total_ep >= T_EP or len(taken) >= MAX_ELEMENTS:
            break
    if not taken or total_ep - p[taken].sum() < MIN_EXCESS:
        return [], 0.0
    causes = [Cause(prop, str(idx[j]), float(a[j]), float(f[j]), float(ep[j]), float(p[j]),
                    float(surprise[j])) for j in taken]
    return causes, float(surprise[taken].sum())


def pivot(long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Day x value frames of the numerator ``A`` (and the denominator ``B``, if any) from
    the long frame :meth:`shoplens.alerts.series.SeriesReader.daily` returns for a breakdown."""
    def wide(col: str) -> pd.DataFrame:
        return long.groupby(["day", "value"])[col].sum().unstack(fill_value=0.0).sort_index()

    if long.empty:
        return pd.DataFrame(), None
    return wide("A"), (wide("B") if "B" in long.columns else None)


def root_cause(day: pd.Timestamp, expected_total: float,
               breakdowns: dict[str, tuple[pd.DataFrame, pd.DataFrame | None]],
               normal: pd.Series, *, ratio_expected: float | None = None,
               actual_total: float | None = None) -> list[Cause]:
    """Ranked causes of the anomaly on ``day`` over every breakdown property.

    Parameters
    ----------
    day
        The anomalous day.
    expected_total
        The metric's expected value that day (the model's).
    breakdowns
        Property -> day x value frames of the metric's numerator and, for a ratio, its
        denominator (see :func:`pivot`).
    normal
        ``True`` on days that were not anomalous (the baseline of the usual shares).
    ratio_expected
        For a ratio metric ``A / B``, its expected value (the numerator is then expected
        at ``ratio_expected * B``).
    actual_total
        The metric's actual value that day.

    Returns
    -------
    list[Cause]
        The best dimension's elements first (by surprise), then the next dimensions'.
    """
    ranked: list[tuple[float, list[Cause]]] = []
    for prop, (wide_a, wide_b) in breakdowns.items():
        if wide_a.empty or day not in wide_a.index:
            continue
        shares_a = usual_shares(wide_a, day, normal)
        act_a = wide_a.loc[day]
        if wide_b is not None and ratio_expected is not None:
            act_b = wide_b.loc[day] if day in wide_b.index else act_a * 0
            shares_b = usual_shares(wide_b, day, normal)
            b_tot = float(act_b.sum())
            causes, s = explain(prop, act_a, shares_a * ratio_expected * b_tot,
                                actual_b=act_b, expected_b=shares_b * b_tot)
        else:
            # the elements' sum may differ from the total (a buyer in two categories):
            # scale the expectation to the elements' sum that day
            scale = _overlap(act_a, actual_total)
            causes, s = explain(prop, act_a, shares_a * expected_total * scale)
        if causes:
            ranked.append((s, causes))
    ranked.sort(key=lambda t: -t[0])
    return [c for _, causes in ranked for c in causes]


def _overlap(elements: pd.Series, actual_total: float | None) -> float:
    """Sum of the elements over the total on the day (above 1 where one user counts in
    two values, e.g. a buyer in two categories)."""
    if not actual_total:
        return 1.0
    s = float(elements.sum())
    return s / actual_total if s > 0 else 1.0
