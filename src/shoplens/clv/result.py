"""What a customer-value run returns, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from shoplens.clv.params import ClvParams
from shoplens.clv.validation import Validation, _num, _records

#: per-customer columns of :attr:`ClvResult.customers`
CUSTOMER_COLUMNS = (
    "user_id", "frequency", "recency", "T", "monetary_value", "calibration_value",
    "expected_purchases", "p_alive", "expected_spend", "clv", "churn_risk",
)


@dataclass
class ClvResult:
    """A fitted model's view of every customer, with its holdout check.

    Attributes
    ----------
    params
        What was asked (:class:`ClvParams`).
    as_of
        The last day of data the forward-looking model saw; predictions start after it.
    model
        The :class:`~shoplens.clv.models.CustomerValueModel` fitted on all data to
        ``as_of``.
    customers
        One row per customer (:data:`CUSTOMER_COLUMNS`): the summary (``recency`` and
        ``T`` in time units, ``calibration_value`` = purchases minus refunds to
        ``as_of``) and the predictions over the horizon.
    at_risk
        The ``params.top`` customers flagged ``churn_risk`` with the highest past spend.
    by_segment, by_rfm
        Per ``user_segments.segment`` / ``rfm_segment`` (empty without that table).
    validation
        The holdout check, or ``None`` with the reason in ``notes``.
    p_alive_matrix
        P(alive) by frequency (rows) and recency (columns) for a customer observed
        for ``matrix_T`` time units.
    """

    params: ClvParams
    as_of: date
    first_day: date
    model: Any
    customers: pd.DataFrame
    at_risk: pd.DataFrame
    by_segment: pd.DataFrame
    by_rfm: pd.DataFrame
    validation: Validation | None
    p_alive_matrix: pd.DataFrame
    matrix_T: float
    run_id: str
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def params_(self) -> pd.DataFrame:
        """The fitted parameters with their units (see ``CustomerValueModel.params_``)."""
        return self.model.params_

    def totals(self) -> dict[str, float]:
        c = self.customers
        return {
            "customers": float(len(c)),
            "repeat_customers": float((c["frequency"] > 0).sum()),
            "expected_purchases": float(c["expected_purchases"].sum()),
            "clv": float(c["clv"].sum()),
            "mean_clv": float(c["clv"].mean()) if len(c) else 0.0,
            "mean_p_alive": float(c["p_alive"].mean()) if len(c) else 0.0,
            "at_risk_customers": float(c["churn_risk"].sum()),
            "at_risk_past_value": float(c.loc[c["churn_risk"], "calibration_value"].sum()),
        }

    def to_json_dict(self, *, customers: int = 0) -> dict[str, Any]:
        """The result as one JSON-ready document; ``customers`` rows of the customer
        table (highest CLV first) and of the holdout comparison per customer are
        included, 0 for none."""
        p = self.params
        doc: dict[str, Any] = {
            "model": p.model,
            "model_label": p.model_label,
            "method": p.method,
            "priors": p.prior_kind,
            "time_unit": p.time_unit,
            "horizon_days": p.horizon_days,
            "horizon_units": round(p.horizon_units, 6),
            "clv_months": p.clv_months,
            "discount_rate": p.discount_rate,
            "risk_threshold": p.risk_threshold,
            "first_day": self.first_day.isoformat(),
            "as_of": self.as_of.isoformat(),
            "run_id": self.run_id,
            "params": _records(self.params_[["model", "name", "value", "sd", "unit", "meaning"]]),
            "derived": self.derived(),
            "totals": {k: _num(v) for k, v in self.totals().items()},
            "at_risk": _records(self.at_risk),
            "by_segment": _records(self.by_segment),
            "by_rfm": _records(self.by_rfm),
            "validation": (self.validation.to_json_dict(customers=customers)
                           if self.validation else None),
            "p_alive_matrix": {
                "T": _num(self.matrix_T),
                "frequency": [int(x) for x in self.p_alive_matrix.index],
                "recency": [_num(float(x)) for x in self.p_alive_matrix.columns],
                "values": [[_num(float(v)) for v in row] for row in self.p_alive_matrix.to_numpy()],
            },
            "notes": list(self.notes),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }
        if customers:
            top = self.customers.sort_values("clv", ascending=False).head(customers)
            doc["customers"] = _records(top)
        return doc

    def derived(self) -> dict[str, float | None]:
        """Readable consequences of the parameters, per time unit and per year."""
        v = dict(zip(self.params_["name"], self.params_["value"], strict=True))
        unit = self.params.unit_days
        out: dict[str, float | None] = {
            f"mean_purchase_rate_per_{self.params.time_unit}": v["r"] / v["alpha"],
            "mean_purchase_rate_per_year": v["r"] / v["alpha"] * 365.0 / unit,
            "mean_order_value": v["p"] * v["v"] / (v["q"] - 1.0),
        }
        if "a" in v:
            out["mean_dropout_probability_per_purchase"] = v["a"] / (v["a"] + v["b"])
        else:
            out[f"mean_dropout_rate_per_{self.params.time_unit}"] = v["s"] / v["beta"]
        return {k: _num(x) for k, x in out.items()}
