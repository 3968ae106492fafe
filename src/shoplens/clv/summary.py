"""The per-customer recency-frequency-monetary summary, computed in SQL on the engine.

The engine groups the purchase and refund events by customer and day and returns one
row per customer (``summary.sql``), so the work scales with the engine; pandas only
converts the day counts into the chosen time unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from shoplens.engines import Engine
from shoplens.engines.sql import Query
from shoplens.errors import InputError

PACKAGE = "shoplens.clv"


def _read(name: str) -> str:
    from importlib import resources

    return resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _query(tail: str) -> Query:
    # the shared head (WITH priced, user_days, firsts) followed by the query's own tail
    return Query(_read("user_days.sql") + "\n" + _read(tail), name=f"clv/{tail}")


SUMMARY_QUERY = _query("summary.sql")
DAILY_QUERY = _query("daily.sql")
BOUNDS_QUERY = Query(_read("bounds.sql"), name="clv/bounds.sql")

#: columns of :func:`fetch_summary`'s frame
SUMMARY_COLUMNS = (
    "user_id", "first_day", "last_day", "frequency", "recency_days", "t_days",
    "monetary_value", "calibration_value", "holdout_purchases", "holdout_value",
)


@dataclass(frozen=True)
class Bounds:
    """The days with purchases in the data."""

    first_day: date | None
    last_day: date | None
    purchases: int


def data_bounds(engine: Engine) -> Bounds:
    """First and last purchase day and the number of purchase events."""
    first, last, n = engine.fetch_all(BOUNDS_QUERY)[0]
    return Bounds(_day(first), _day(last), int(n or 0))


def _day(x: Any) -> date | None:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return None
    if isinstance(x, datetime):
        return x.date()
    if isinstance(x, date):
        return x
    return pd.Timestamp(x).date()


def bind(calibration_end: date, observation_end: date) -> dict[str, Any]:
    """The values bound to the queries' placeholders."""
    return {
        "calibration_end": calibration_end,
        "observation_stop": datetime.combine(observation_end + timedelta(days=1), time()),
    }


def fetch_summary(engine: Engine, calibration_end: date, observation_end: date) -> pd.DataFrame:
    """One row per customer whose first purchase is on or before ``calibration_end``.

    Parameters
    ----------
    engine
        The engine holding ``events`` and ``products``.
    calibration_end
        Last day (inclusive) of the calibration period.
    observation_end
        Last day (inclusive) of the data read; the days after ``calibration_end`` up to
        it are the holdout period (equal to ``calibration_end``: no holdout).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`; day counts are integers, money is float.

    Notes
    -----
    A *transaction* is a day with at least one purchase event of the customer (several
    orders on one day count once, as in Fader, Hardie & Lee 2005). ``frequency`` is the
    number of transaction days in the calibration period after the first one;
    ``recency_days`` the days from the first to the last of them; ``t_days`` the days
    from the first to ``calibration_end`` (so a customer whose only purchase is on
    ``calibration_end`` has ``frequency = recency = T = 0``). ``monetary_value`` is the
    mean value (price x quantity, the list price where the event has none) of the
    repeat transaction days, times ``1 - refunds / purchases`` of the customer's
    calibration period (never below 0); it is NULL for customers without repeats.
    """
    df = engine.fetch_df(SUMMARY_QUERY, bind(calibration_end, observation_end))
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SUMMARY_COLUMNS})
    df = df[list(SUMMARY_COLUMNS)]
    df["user_id"] = df["user_id"].astype(str)
    for col in ("first_day", "last_day"):
        df[col] = pd.to_datetime(df[col]).dt.date
    for col in ("frequency", "recency_days", "t_days", "holdout_purchases"):
        df[col] = df[col].astype("int64")
    for col in ("monetary_value", "calibration_value", "holdout_value"):
        df[col] = df[col].astype("float64")
    return df.reset_index(drop=True)


def fetch_daily(engine: Engine, calibration_end: date, observation_end: date) -> pd.DataFrame:
    """Per day with purchases of the calibration cohort: ``first_purchases`` (customers
    whose first purchase day it is) and ``repeat_purchases`` (repeat transaction days)."""
    df = engine.fetch_df(DAILY_QUERY, bind(calibration_end, observation_end))
    if df.empty:
        return pd.DataFrame({"day": pd.Series(dtype="object"),
                             "first_purchases": pd.Series(dtype="int64"),
                             "repeat_purchases": pd.Series(dtype="int64")})
    df["day"] = pd.to_datetime(df["day"]).dt.date
    for col in ("first_purchases", "repeat_purchases"):
        df[col] = df[col].astype("int64")
    return df.sort_values("day").reset_index(drop=True)


def model_frame(summary: pd.DataFrame, unit_days: int) -> pd.DataFrame:
    """The summary in the libraries' shape: ``customer_id, frequency, recency, T,
    monetary_value`` with recency and T in time units of ``unit_days`` days (monetary 0
    for customers without repeats, as pymc-marketing's ``rfm_summary`` writes it)."""
    return pd.DataFrame({
        "customer_id": summary["user_id"].to_numpy(),
        "frequency": summary["frequency"].astype("float64").to_numpy(),
        "recency": summary["recency_days"].to_numpy() / unit_days,
        "T": summary["t_days"].to_numpy() / unit_days,
        "monetary_value": summary["monetary_value"].fillna(0.0).to_numpy(),
    })


def check_calibration_end(bounds: Bounds, calibration_end: date, *, option: str) -> None:
    """A calibration end must leave purchases on or before it and time after the first."""
    if bounds.first_day is None or bounds.last_day is None:
        raise InputError("the database has no purchase events: load orders or purchase events first")
    if calibration_end < bounds.first_day or calibration_end > bounds.last_day:
        raise InputError(
            f"{option} {calibration_end} is outside the data, whose purchases run from "
            f"{bounds.first_day} to {bounds.last_day}: choose a day in that range"
        )
