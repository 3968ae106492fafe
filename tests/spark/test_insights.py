"""Insight queries on Spark: the tiny shop (tests/insights/shop.py) in a fresh lake, one
trends query with a breakdown and filters (a JSON property, a product property), a
percentile, and lifecycle; the numbers are the ones counted by hand for DuckDB and
PostgreSQL in tests/insights."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import shoplens as sl
from shoplens.engines import Engine

# the shop module of tests/insights (a sibling test package), by path
_spec = importlib.util.spec_from_file_location(
    "insights_shop", Path(__file__).resolve().parents[1] / "insights" / "shop.py")
assert _spec is not None and _spec.loader is not None
shop = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shop)


def test_trends_breakdown_and_filters_on_spark(spark_engine: Engine) -> None:
    shop.load(spark_engine, typed=True)
    r = sl.trends(spark_engine, event="action:purchase", math="sum", math_property="revenue",
                  breakdown="user.country", interval="month",
                  where=["event.amount is not set or event.amount>50",
                         "product.brand!=Nobody"])
    assert {s["breakdown_value"]: s["total"] for s in r.to_dict()["series"]} == {
        "DE": 260.0, "FR": 90.0}
    r = sl.trends(spark_engine, math="unique_users", where="utm_source*=goo", interval="week")
    assert [p["value"] for p in r.to_dict()["series"][0]["points"]] == [1.0, 1.0, 0.0]
    r = sl.trends(spark_engine, event="view", math="p90", math_property="price",
                  interval="week")
    assert [p["value"] for p in r.to_dict()["series"][0]["points"]] == [92.0, 92.0, 100.0]
    life = sl.lifecycle(spark_engine, interval="week").to_dict()["points"]
    assert [(p["new"], p["returning"], p["resurrecting"], p["dormant"]) for p in life] == [
        (2, 0, 0, 0), (1, 1, 0, -1), (1, 0, 1, -2)]
