"""The holdout check: a model fitted on the calibration period predicts the holdout.

Compared per customer, by calibration-frequency bucket (Fader, Hardie & Lee 2005,
figure 3), against a naive baseline, and as the aggregate curve of cumulative repeat
transactions (their figure 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from shoplens.clv.models import CustomerValueModel

#: calibration-frequency buckets: 0, 1, ..., 6 and "7+"
BUCKET_CAP = 7


@dataclass
class Validation:
    """What the holdout check found.

    Attributes
    ----------
    per_customer
        ``customer_id, frequency, actual, predicted, naive`` (holdout transactions).
    buckets
        Per calibration frequency (``0`` .. ``6``, ``7+``): customers and mean actual,
        predicted and naive holdout transactions.
    curve
        Per day from the first purchase day to ``holdout_end``: cumulative repeat
        transactions, ``actual`` and ``predicted``.
    metrics
        ``mae``, ``naive_mae``, ``mae_ratio`` (model over naive: below 1 the model is
        better), totals of holdout transactions and of holdout value.
    """

    calibration_end: date
    holdout_end: date
    holdout_days: int
    per_customer: pd.DataFrame
    buckets: pd.DataFrame
    curve: pd.DataFrame
    metrics: dict[str, float] = field(default_factory=dict)
    params: pd.DataFrame | None = None

    def to_json_dict(self, *, customers: int = 0) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "calibration_end": self.calibration_end.isoformat(),
            "holdout_end": self.holdout_end.isoformat(),
            "holdout_days": self.holdout_days,
            "metrics": {k: _num(v) for k, v in self.metrics.items()},
            "buckets": _records(self.buckets),
            "curve": _records(self.curve),
        }
        if self.params is not None:
            doc["calibration_params"] = _records(self.params[["model", "name", "value", "unit"]])
        if customers:
            doc["per_customer"] = _records(self.per_customer.head(customers))
        return doc


def validate(model: CustomerValueModel, summary: pd.DataFrame, frame: pd.DataFrame,
             daily: pd.DataFrame, calibration_end: date, holdout_end: date) -> Validation:
    """Compare the calibration model's predictions with the holdout period.

    Parameters
    ----------
    model
        Fitted on ``frame`` (the calibration summary in model units).
    summary
        The SQL summary (:func:`shoplens.clv.summary.fetch_summary`) with the holdout
        columns, row for row with ``frame``.
    daily
        :func:`shoplens.clv.summary.fetch_daily` for the same period.

    Notes
    -----
    The naive baseline predicts that each customer repeats their calibration rate:
    ``frequency / T`` transactions per time unit (0 for a customer with ``T = 0``)
    times the holdout length. MAE is the mean over customers of ``|predicted -
    actual|`` holdout transactions. The predicted curve adds, for every customer of
    the calibration cohort, the model's expected repeat transactions of a new customer
    ``t`` after their first purchase day (``expected_purchases_new_customer``).
    """
    unit = model.params.unit_days
    holdout_days = (holdout_end - calibration_end).days
    predicted = model.predict(frame, horizon_days=holdout_days)["expected_purchases"].to_numpy()
    spend = model.expected_spend(frame)["expected_spend"].to_numpy()
    actual = summary["holdout_purchases"].to_numpy(dtype="float64")
    t_units = frame["T"].to_numpy()
    rate = np.divide(frame["frequency"].to_numpy(), t_units, out=np.zeros(len(frame)),
                     where=t_units > 0)
    naive = rate * holdout_days / unit
    per = pd.DataFrame({
        "customer_id": frame["customer_id"].to_numpy(),
        "frequency": frame["frequency"].to_numpy().astype("int64"),
        "actual": actual, "predicted": predicted, "naive": naive,
    })
    mae = float(np.mean(np.abs(predicted - actual)))
    naive_mae = float(np.mean(np.abs(naive - actual)))
    metrics = {
        "customers": float(len(per)),
        "mae": mae,
        "naive_mae": naive_mae,
        "mae_ratio": mae / naive_mae if naive_mae > 0 else float("nan"),
        "actual_transactions": float(actual.sum()),
        "predicted_transactions": float(predicted.sum()),
        "naive_transactions": float(naive.sum()),
        "actual_value": float(summary["holdout_value"].sum()),
        "predicted_value": float((predicted * spend).sum()),
    }
    return Validation(calibration_end, holdout_end, holdout_days, per, _buckets(per),
                      _curve(model, daily, holdout_end), metrics, model.params_)


def _buckets(per: pd.DataFrame) -> pd.DataFrame:
    key = per["frequency"].clip(upper=BUCKET_CAP)
    grouped = per.groupby(key).agg(customers=("actual", "size"), actual=("actual", "mean"),
                                   predicted=("predicted", "mean"), naive=("naive", "mean"))
    grouped.index = [f"{i}+" if i == BUCKET_CAP else str(i) for i in grouped.index]
    return grouped.rename_axis("frequency").reset_index()


def _curve(model: CustomerValueModel, daily: pd.DataFrame, holdout_end: date) -> pd.DataFrame:
    if daily.empty:
        return pd.DataFrame(columns=["day", "actual", "predicted"])
    start = daily["day"].min()
    days = [start + timedelta(days=i) for i in range((holdout_end - start).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    firsts = np.zeros(len(days))
    repeats = np.zeros(len(days))
    for row in daily.itertuples(index=False):
        if row.day in index:
            firsts[index[row.day]] = row.first_purchases
            repeats[index[row.day]] = row.repeat_purchases
    lags = np.arange(len(days), dtype="float64") / model.params.unit_days
    per_customer = model.expected_purchases_new(lags)  # E[X(t)] of one new customer
    predicted = np.convolve(firsts, per_customer)[: len(days)]
    return pd.DataFrame({"day": days, "actual": np.cumsum(repeats), "predicted": predicted})


def _num(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 6)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict("records"):
        out.append({k: (v.isoformat() if isinstance(v, date)
                        else _num(v) if isinstance(v, float | np.floating) else
                        int(v) if isinstance(v, np.integer) else v)
                    for k, v in rec.items()})
    return out
