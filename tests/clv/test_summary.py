"""The per-customer summary in SQL, on DuckDB and PostgreSQL: tiny hand-made customers
with literal expected values, and the published CDNOW calibration summary."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from shoplens.clv import summarize
from shoplens.clv.summary import data_bounds, fetch_daily, fetch_summary, model_frame
from shoplens.engines import Engine
from shoplens.errors import InputError
from tests.clv.data import cdnow_summary, load_cdnow, purchase_events

CAL_END = date(2024, 1, 31)
OBS_END = date(2024, 3, 31)

PURCHASES = [
    # same-day orders count once: 3 orders on Jan 1, one on Jan 11 -> 1 repeat day
    ("same_day", "2024-01-01 09:00", 10.0),
    ("same_day", "2024-01-01 12:00", 20.0),
    ("same_day", "2024-01-01 18:30", 30.0),
    ("same_day", "2024-01-11 10:00", 40.0),
    ("same_day", "2024-01-11 11:00", 2.0),  # repeat day value = 42
    # a single purchase: frequency = recency = 0, T = days to the calibration end
    ("single", "2024-01-21 08:00", 15.0),
    # only purchase on the calibration end: T = 0
    ("on_end", "2024-01-31 23:59", 5.0),
    # first purchase after the calibration end: not in the calibration cohort
    ("late", "2024-02-10 10:00", 99.0),
    # repeats in calibration and in the holdout; an apostrophe in the id
    ("o'brien", "2024-01-05 10:00", 100.0),
    ("o'brien", "2024-01-15 10:00", 50.0),
    ("o'brien", "2024-01-25 10:00", 70.0),
    ("o'brien", "2024-02-05 10:00", 10.0),
    ("o'brien", "2024-02-05 15:00", 10.0),
    ("o'brien", "2024-03-31 23:00", 25.0),
    # after the end of the data: never read
    ("o'brien", "2024-04-01 00:00", 1000.0),
    # no price on the event: the product's list price (12.5) counts
    ("list_price", "2024-01-02 10:00", None),
    ("list_price", "2024-01-09 10:00", None),
]
REFUNDS = [
    # a quarter of o'brien's calibration spend (220) comes back
    ("o'brien", "2024-01-26 10:00", 55.0),
    # a refund in the holdout
    ("o'brien", "2024-03-01 10:00", 5.0),
]


@pytest.fixture
def shop(engine: Engine) -> Engine:
    engine.append_df("products", pd.DataFrame({"product_id": ["p1"], "price": [12.5]}))
    engine.append_df("events", purchase_events(PURCHASES))
    engine.append_df("events", purchase_events(REFUNDS, event_type="refund", start_id=1000))
    return engine


def test_handmade_customers(shop: Engine) -> None:
    df = fetch_summary(shop, CAL_END, OBS_END).set_index("user_id")
    assert sorted(df.index) == ["list_price", "o'brien", "on_end", "same_day", "single"]
    expected = {
        #            freq rec   T  monetary             cal_value     hold  hold_value
        "same_day": (1, 10, 30, 42.0, 102.0, 0, 0.0),
        "single": (0, 0, 10, None, 15.0, 0, 0.0),
        "on_end": (0, 0, 0, None, 5.0, 0, 0.0),
        "o'brien": (2, 20, 26, 60.0 * 0.75, 220.0 - 55.0, 2, 45.0 - 5.0),
        "list_price": (1, 7, 29, 12.5, 25.0, 0, 0.0),
    }
    for user, (freq, rec, t, money, cal_value, hold, hold_value) in expected.items():
        row = df.loc[user]
        assert (row.frequency, row.recency_days, row.t_days) == (freq, rec, t), user
        if money is None:
            assert pd.isna(row.monetary_value), user
        else:
            assert row.monetary_value == pytest.approx(money), user
        assert row.calibration_value == pytest.approx(cal_value), user
        assert (row.holdout_purchases, row.holdout_value) == (hold, pytest.approx(hold_value)), user
    assert df.loc["same_day", "first_day"] == date(2024, 1, 1)
    assert df.loc["o'brien", "last_day"] == date(2024, 1, 25)


def test_units_and_daily_curve(shop: Engine) -> None:
    frame = model_frame(fetch_summary(shop, CAL_END, OBS_END), 7).set_index("customer_id")
    assert frame.loc["same_day", "recency"] == pytest.approx(10 / 7)
    assert frame.loc["same_day", "T"] == pytest.approx(30 / 7)
    assert frame.loc["single", "monetary_value"] == 0.0
    daily = fetch_daily(shop, CAL_END, OBS_END).set_index("day")
    # first purchases of the five calibration customers; repeat days through the holdout
    assert int(daily["first_purchases"].sum()) == 5
    assert int(daily["repeat_purchases"].sum()) == 1 + 2 + 2 + 1
    assert int(daily.loc[date(2024, 2, 5), "repeat_purchases"]) == 1  # two orders, one day
    assert date(2024, 2, 10) not in daily.index  # "late" is not in the cohort


def test_without_holdout_the_summary_runs_to_the_end(shop: Engine) -> None:
    df = fetch_summary(shop, OBS_END, OBS_END).set_index("user_id")
    assert "late" in df.index
    assert df.loc["o'brien", "frequency"] == 4  # Jan 5 + 15, 25, Feb 5, Mar 31
    assert (df["holdout_purchases"] == 0).all()
    bounds = data_bounds(shop)
    assert (bounds.first_day, bounds.last_day) == (date(2024, 1, 1), date(2024, 4, 1))


def test_summarize_refuses_a_calibration_end_outside_the_data(shop: Engine) -> None:
    with pytest.raises(InputError, match=r"calibration_end 2023-12-31 is outside the data.*2024-01-01"):
        summarize(shop, date(2023, 12, 31))


def test_cdnow_summary_matches_the_published_one(engine: Engine) -> None:
    """Our SQL on the CDNOW sample's 6,919 purchases gives the calibration summary that
    Fader & Hardie publish with the data (39 weeks to 1997-09-30): same x, t_x and T
    for all 2,357 customers, and zbar to the cent."""
    load_cdnow(engine)
    ours = summarize(engine, date(1997, 9, 30), time_unit="week")
    ours["customer_id"] = ours["customer_id"].astype(int)
    ours = ours.sort_values("customer_id").reset_index(drop=True)
    ref = cdnow_summary()
    assert len(ours) == len(ref) == 2357
    assert (ours["customer_id"] == ref["ID"]).all()
    assert (ours["frequency"] == ref["x"]).all()
    np.testing.assert_allclose(ours["recency"], ref["t_x"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(ours["T"], ref["T"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(ours["monetary_value"], ref["zbar"], atol=0.0051)
