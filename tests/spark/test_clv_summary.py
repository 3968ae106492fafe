"""The customer-value summary SQL (repeat purchase days, recency, T, monetary value,
holdout counts) gives the same rows on Spark as on DuckDB for the generated shop."""

from __future__ import annotations

import pandas as pd

from shoplens.clv.summary import data_bounds, fetch_daily, fetch_summary
from shoplens.engines import Engine


def test_clv_summary_equals_duckdb(duck_shop: Engine, spark_shop: Engine) -> None:
    bounds = data_bounds(duck_shop)
    assert data_bounds(spark_shop) == bounds
    assert bounds.first_day is not None and bounds.last_day is not None
    calibration_end = bounds.first_day + (bounds.last_day - bounds.first_day) / 2
    duck = fetch_summary(duck_shop, calibration_end, bounds.last_day)
    spark = fetch_summary(spark_shop, calibration_end, bounds.last_day)
    assert len(duck) > 20 and (duck["frequency"] > 0).any() and (duck["holdout_purchases"] > 0).any()
    pd.testing.assert_frame_equal(spark, duck, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(fetch_daily(spark_shop, calibration_end, bounds.last_day),
                                  fetch_daily(duck_shop, calibration_end, bounds.last_day))
