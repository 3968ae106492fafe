"""The analyses, written once, give the same numbers on Spark as on DuckDB.

The same generated shop is loaded into DuckDB by the importer and exported to a lake
(``spark_shop``); every metric (both query forms), the retention matrices, the event
patterns and the segmentation features are computed on both and compared value by value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from shoplens.engines import Engine

METRIC_FIELDS = ("start", "end", "dau", "wau", "mau", "rolling_active", "stickiness",
                 "revenue_by_category", "aov", "top_products", "top_categories",
                 "top_brands", "funnel")


@pytest.fixture(scope="module")
def metrics_of(duck_shop: Engine, spark_shop: Engine) -> Callable[[str], tuple[dict, dict]]:
    """Metrics of both engines for a query form, computed once per form."""
    from shoplens.metrics import MetricsParams, compute_metrics

    cache: dict[str, tuple[dict, dict]] = {}

    def get(form: str) -> tuple[dict, dict]:
        if form not in cache:
            params = MetricsParams(form=form, grain="week", window_hours=2)
            cache[form] = tuple(  # type: ignore[assignment]
                compute_metrics(e, params).model_dump(exclude={"engine"})
                for e in (duck_shop, spark_shop))
        return cache[form]

    return get


@pytest.mark.parametrize("form", ["naive", "optimized"])
@pytest.mark.parametrize("metric", METRIC_FIELDS)
def test_metric_equals_duckdb(metrics_of: Callable[[str], tuple[dict, dict]], form: str,
                              metric: str) -> None:
    duck, spark = metrics_of(form)
    assert spark[metric] == duck[metric]
    if metric in ("dau", "revenue_by_category", "top_products", "funnel"):
        assert duck[metric], "the shop must exercise this metric"


def test_rollups_built_on_spark_match_duckdb(duck_shop: Engine, spark_shop: Engine,
                                             metrics_of: Callable[[str], Any]) -> None:
    metrics_of("optimized")  # builds the rollups in the lake from the exported events
    for table, order in (("rollup_user_day", "day, user_id"),
                         ("rollup_rolling_active", "day"),
                         ("rollup_revenue_product", "grain, period, product_id"),
                         ("rollup_revenue_category", "grain, period, category")):
        sql = f"SELECT * FROM {table} ORDER BY {order}"
        pd.testing.assert_frame_equal(spark_shop.fetch_df(sql), duck_shop.fetch_df(sql),
                                      check_dtype=False)


@pytest.mark.parametrize("kwargs", [
    {},
    {"cohort_by": "first_purchase", "period": "month", "offset_unit": "month", "periods": 3},
    {"cohort_by": "first_activity", "period": "week", "offset_unit": "week", "periods": 6},
    # money to the cent on every engine: revenue retention and LTV (cumulative revenue per
    # user) were whole currency units on Spark (a CASE of DECIMAL(38,0) and (38,4))
    {"cohort_by": "first_purchase", "period": "month", "offset_unit": "month", "periods": 3,
     "measure": "revenue", "kind": "cumulative"},
    {"cohort_by": "first_activity", "period": "week", "offset_unit": "week", "periods": 4,
     "measure": "revenue"},
])
def test_cohorts_equal_duckdb(duck_shop: Engine, spark_shop: Engine, kwargs: dict) -> None:
    from shoplens.cohorts import CohortParams, compute_cohorts

    params = CohortParams(**kwargs)
    duck = compute_cohorts(duck_shop, params)
    spark = compute_cohorts(spark_shop, params)
    frame = duck.to_frame()
    assert len(frame) > 0
    pd.testing.assert_frame_equal(spark.to_frame(), frame)


def test_event_patterns_equal_duckdb(duck_shop: Engine, spark_shop: Engine) -> None:
    from shoplens.events.funnel import funnel
    from shoplens.events.patterns import patterns

    duck = patterns(duck_shop)
    spark = patterns(spark_shop)
    assert duck["transitions"], "the shop must have transitions"
    for key in duck:
        assert spark[key] == duck[key], key
    assert funnel(spark_shop) == funnel(duck_shop)


def test_segmentation_features_equal_duckdb(duck_shop: Engine, spark_shop: Engine) -> None:
    from shoplens.segments.features import compute_features

    duck = compute_features(duck_shop)
    spark = compute_features(spark_shop)
    assert len(duck.frame) > 100
    pd.testing.assert_frame_equal(spark.frame, duck.frame, check_exact=False, rtol=1e-12)
