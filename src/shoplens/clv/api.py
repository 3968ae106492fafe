"""``compute_clv()``: summary in SQL, holdout check, forward model, groups."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import numpy as np
import pandas as pd

from shoplens.clv.models import CustomerValueModel, FitError
from shoplens.clv.params import ClvParams
from shoplens.clv.result import CUSTOMER_COLUMNS, ClvResult
from shoplens.clv.summary import (
    Bounds,
    check_calibration_end,
    data_bounds,
    fetch_daily,
    fetch_summary,
    model_frame,
)
from shoplens.clv.validation import Validation, validate
from shoplens.engines import Engine
from shoplens.errors import InputError

#: rows and columns of the P(alive) matrix
MATRIX_MAX_FREQUENCY = 20
MATRIX_RECENCY_STEPS = 20


def compute_clv(engine: Engine, params: ClvParams | None = None) -> ClvResult:
    """Fit the purchase and spend models on ``engine``'s orders and value every customer.

    Parameters
    ----------
    engine
        DuckDB, PostgreSQL or Spark, holding ``events`` (purchases and refunds) and
        ``products`` (list prices).
    params
        What to fit and predict; see :class:`ClvParams`.

    Returns
    -------
    ClvResult

    Notes
    -----
    Two fits: one on the calibration period (first purchase day .. ``calibration_end``)
    whose predictions for the holdout period (``calibration_end`` .. ``holdout_end``)
    are compared with what customers did (:func:`shoplens.clv.validation.validate`),
    and one on all data to ``holdout_end``, from which every forward-looking number
    comes: expected purchases over the horizon, P(alive) at ``holdout_end``, the
    Gamma-Gamma expected order value and the discounted CLV. ``churn_risk`` is
    P(alive) below ``risk_threshold``.
    """
    params = params or ClvParams()
    seconds: dict[str, float] = {}
    notes: list[str] = []
    bounds = data_bounds(engine)
    holdout_end = _holdout_end(bounds, params)
    calibration_end = _calibration_end(bounds, params, holdout_end, notes)

    validation: Validation | None = None
    if calibration_end is not None:
        validation = _holdout_check(engine, params, calibration_end, holdout_end, notes, seconds)

    clock = time.perf_counter()
    summary = fetch_summary(engine, holdout_end, holdout_end)
    seconds["summary"] = time.perf_counter() - clock
    frame = model_frame(summary, params.unit_days)
    clock = time.perf_counter()
    model = CustomerValueModel(params).fit(frame)
    seconds["fit"] = time.perf_counter() - clock
    clock = time.perf_counter()
    customers = _predict(model, summary, frame, params)
    matrix, matrix_t = _p_alive_matrix(model, frame)
    seconds["predict"] = time.perf_counter() - clock

    at_risk = (customers[customers["churn_risk"]]
               .sort_values(["calibration_value", "user_id"], ascending=[False, True])
               .head(params.top).reset_index(drop=True))
    by_segment, by_rfm = _groups(engine, customers)
    return ClvResult(
        params=params, as_of=holdout_end, first_day=bounds.first_day or holdout_end,
        model=model, customers=customers, at_risk=at_risk, by_segment=by_segment,
        by_rfm=by_rfm, validation=validation, p_alive_matrix=matrix, matrix_T=matrix_t,
        run_id=uuid.uuid4().hex[:12], notes=notes, seconds=seconds,
    )


def _holdout_end(bounds: Bounds, params: ClvParams) -> date:
    if bounds.last_day is None or bounds.first_day is None:
        raise InputError("the database has no purchase events: load orders or purchase events first")
    end = params.holdout_end or bounds.last_day
    if not bounds.first_day <= end <= bounds.last_day:
        raise InputError(
            f"--holdout-end {end} is outside the data, whose purchases run from "
            f"{bounds.first_day} to {bounds.last_day}: choose a day in that range"
        )
    return end


def _calibration_end(bounds: Bounds, params: ClvParams, holdout_end: date,
                     notes: list[str]) -> date | None:
    if params.calibration_end is not None:
        check_calibration_end(bounds, params.calibration_end, option="--calibration-end")
        if params.calibration_end >= holdout_end:
            raise InputError(f"--calibration-end {params.calibration_end} must be before the "
                             f"holdout end {holdout_end}")
        return params.calibration_end
    assert bounds.first_day is not None
    candidate = holdout_end - timedelta(days=round(params.horizon_days))
    if (candidate - bounds.first_day) < (holdout_end - candidate):
        notes.append(
            f"holdout check skipped: the data ({bounds.first_day} .. {holdout_end}) is shorter "
            f"than twice the horizon of {params.horizon_days:g} days; pass --calibration-end "
            "to choose the split yourself"
        )
        return None
    return candidate


def _holdout_check(engine: Engine, params: ClvParams, calibration_end: date, holdout_end: date,
                   notes: list[str], seconds: dict[str, float]) -> Validation | None:
    clock = time.perf_counter()
    summary = fetch_summary(engine, calibration_end, holdout_end)
    daily = fetch_daily(engine, calibration_end, holdout_end)
    seconds["holdout_summary"] = time.perf_counter() - clock
    frame = model_frame(summary, params.unit_days)
    clock = time.perf_counter()
    try:
        model = CustomerValueModel(params).fit(frame)
    except FitError as exc:
        if params.calibration_end is not None:  # asked for: the user must hear why
            raise FitError(f"on the calibration period to {calibration_end}: {exc}") from None
        notes.append(f"holdout check skipped: on the calibration period to {calibration_end}, {exc}")
        return None
    result = validate(model, summary, frame, daily, calibration_end, holdout_end)
    seconds["holdout_fit"] = time.perf_counter() - clock
    return result


def _predict(model: CustomerValueModel, summary: pd.DataFrame, frame: pd.DataFrame,
             params: ClvParams) -> pd.DataFrame:
    out = pd.DataFrame({
        "user_id": summary["user_id"].to_numpy(),
        "frequency": summary["frequency"].to_numpy(),
        "recency": frame["recency"].to_numpy(),
        "T": frame["T"].to_numpy(),
        "monetary_value": summary["monetary_value"].to_numpy(),
        "calibration_value": summary["calibration_value"].to_numpy(),
        "expected_purchases": model.predict(frame)["expected_purchases"].to_numpy(),
        "p_alive": model.p_alive(frame)["p_alive"].to_numpy(),
        "expected_spend": model.expected_spend(frame)["expected_spend"].to_numpy(),
        "clv": model.clv(frame)["clv"].to_numpy(),
    })
    out["churn_risk"] = out["p_alive"] < params.risk_threshold
    return out[list(CUSTOMER_COLUMNS)]


def _p_alive_matrix(model: CustomerValueModel, frame: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """P(alive) of a customer observed for the longest T, by frequency and recency."""
    t_max = float(frame["T"].max())
    max_f = int(min(MATRIX_MAX_FREQUENCY, max(1.0, frame["frequency"].quantile(0.99))))
    freqs = np.arange(max_f + 1)
    recs = np.linspace(0.0, t_max, MATRIX_RECENCY_STEPS + 1)
    f_grid, r_grid = np.meshgrid(freqs, recs, indexing="ij")
    grid = pd.DataFrame({"customer_id": np.arange(f_grid.size),
                         "frequency": f_grid.ravel().astype("float64"),
                         "recency": r_grid.ravel(), "T": t_max})
    values = model.p_alive(grid)["p_alive"].to_numpy(copy=True).reshape(f_grid.shape)
    # with no repeat purchase, recency is 0 by definition: other cells do not exist
    values[0, 1:] = np.nan
    return pd.DataFrame(values, index=freqs, columns=np.round(recs, 3)), t_max


def _groups(engine: Engine, customers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    empty = pd.DataFrame()
    if not engine.table_exists("user_segments"):
        return empty, empty
    seg = engine.fetch_df("SELECT user_id, segment, rfm_segment FROM user_segments")
    if seg.empty:
        return empty, empty
    seg["user_id"] = seg["user_id"].astype(str)
    joined = customers.merge(seg, on="user_id", how="left")
    joined[["segment", "rfm_segment"]] = joined[["segment", "rfm_segment"]].fillna("(none)")
    return _aggregate(joined, "segment"), _aggregate(joined, "rfm_segment")


def _aggregate(df: pd.DataFrame, key: str) -> pd.DataFrame:
    g = df.groupby(key).agg(
        customers=("user_id", "size"),
        mean_p_alive=("p_alive", "mean"),
        expected_purchases=("expected_purchases", "sum"),
        clv=("clv", "sum"),
        mean_clv=("clv", "mean"),
        at_risk=("churn_risk", "sum"),
    ).reset_index()
    g["at_risk"] = g["at_risk"].astype("int64")
    return g.sort_values(["clv", key], ascending=[False, True]).reset_index(drop=True)
