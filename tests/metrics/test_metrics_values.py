"""Literal expected metrics of the hand-made shop, in both query forms, on both engines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shoplens.engines import Engine
from shoplens.metrics import MetricsParams, compute_metrics
from shoplens.metrics.params import period_bounds
from shoplens.metrics.queries import METRIC_QUERY_NAMES, metric_query, rows

FORMS = ("naive", "optimized")
D = date.fromisoformat


def both(engine: Engine, **kw: object) -> dict:
    """The result of both forms, asserting they are identical."""
    naive = compute_metrics(engine, MetricsParams(form="naive", **kw)).model_dump(exclude={"form"})
    optimized = compute_metrics(engine, MetricsParams(form="optimized", **kw)).model_dump(
        exclude={"form"})
    assert naive == optimized
    return optimized


def test_active_users(shop: Engine) -> None:
    r = both(shop)
    assert (r["start"], r["end"]) == (D("2024-12-28"), D("2025-01-06"))
    assert [(x["day"].isoformat(), x["users"]) for x in r["dau"]] == [
        ("2024-12-28", 1), ("2024-12-29", 1), ("2024-12-30", 1), ("2024-12-31", 1),
        ("2025-01-01", 1), ("2025-01-02", 1), ("2025-01-03", 1), ("2025-01-06", 2)]
    # the week of Monday 2024-12-30 crosses the new year and is one week
    assert [(x["week"].isoformat(), x["users"]) for x in r["wau"]] == [
        ("2024-12-23", 1), ("2024-12-30", 3), ("2025-01-06", 2)]
    assert [(x["month"].isoformat(), x["users"]) for x in r["mau"]] == [
        ("2024-12-01", 3), ("2025-01-01", 4)]
    # gap days 01-04 and 01-05 have rolling actives; the windows are trailing
    assert [(x["day"].isoformat(), x["active_7d"], x["active_28d"])
            for x in r["rolling_active"]] == [
        ("2024-12-28", 1, 1), ("2024-12-29", 1, 1), ("2024-12-30", 2, 2),
        ("2024-12-31", 3, 3), ("2025-01-01", 3, 3), ("2025-01-02", 3, 3),
        ("2025-01-03", 3, 3), ("2025-01-04", 3, 3), ("2025-01-05", 3, 3),
        ("2025-01-06", 4, 4)]
    assert [(x["month"].isoformat(), x["avg_dau"], x["mau"], x["stickiness"])
            for x in r["stickiness"]] == [
        ("2024-12-01", 1.0, 3, 0.333333), ("2025-01-01", 1.25, 4, 0.3125)]


def rev(rows: list[dict]) -> list[tuple]:
    return [(x["period"].isoformat(), x["category"], x["revenue"], x["units"],
             x["refunded_units"]) for x in rows]


def test_revenue_uses_list_price_and_subtracts_refunds(shop: Engine) -> None:
    r = both(shop)
    assert rev(r["revenue_by_category"]) == [
        ("2024-12-29", "electronics.smartphone", Decimal("200.00"), 2, 0),  # list price x 2
        ("2024-12-30", "apparel.shoes", Decimal("15.00"), 1, 0),  # the event's own price
        ("2025-01-01", "apparel.shoes", Decimal("19.99"), 1, 0),
        ("2025-01-03", "electronics.smartphone", Decimal("-100.00"), 0, 1),  # refund
        ("2025-01-06", "electronics.smartphone", Decimal("0.30"), 3, 0),
        ("2025-01-06", "(no category)", Decimal("0"), 1, 0),  # unknown product: no price
    ]
    assert r["aov"] == {"orders": 4, "gross": Decimal("235.29"), "refunds": Decimal("100.00"),
                        "net": Decimal("135.29"), "aov": Decimal("58.8225")}
    assert [(x["product_id"], x["name"], x["revenue"], x["units"]) for x in r["top_products"]] == [
        ("p1", "Phone", Decimal("100.00"), 2), ("p2", "Shoe", Decimal("34.99"), 2),
        ("p3", "O'Brien's \"best\" 100%", Decimal("0.30"), 3), ("p9", None, Decimal("0"), 1)]
    assert [(x["category"], x["revenue"], x["units"]) for x in r["top_categories"]] == [
        ("electronics.smartphone", Decimal("100.30"), 5), ("apparel.shoes", Decimal("34.99"), 2),
        ("(no category)", Decimal("0"), 1)]  # never an empty name
    assert [(x["brand"], x["revenue"], x["units"]) for x in r["top_brands"]] == [
        ("apple", Decimal("100.00"), 2), ("(no brand)", Decimal("34.99"), 3),
        ("samsung", Decimal("0.30"), 3)]


def test_revenue_per_week_and_month(shop: Engine) -> None:
    assert rev(both(shop, grain="week")["revenue_by_category"]) == [
        ("2024-12-23", "electronics.smartphone", Decimal("200.00"), 2, 0),
        ("2024-12-30", "apparel.shoes", Decimal("34.99"), 2, 0),
        ("2024-12-30", "electronics.smartphone", Decimal("-100.00"), 0, 1),
        ("2025-01-06", "electronics.smartphone", Decimal("0.30"), 3, 0),
        ("2025-01-06", "(no category)", Decimal("0"), 1, 0)]
    assert rev(both(shop, grain="month")["revenue_by_category"]) == [
        ("2024-12-01", "electronics.smartphone", Decimal("200.00"), 2, 0),
        ("2024-12-01", "apparel.shoes", Decimal("15.00"), 1, 0),
        ("2025-01-01", "apparel.shoes", Decimal("19.99"), 1, 0),
        ("2025-01-01", "(no category)", Decimal("0"), 1, 0),
        ("2025-01-01", "electronics.smartphone", Decimal("-99.70"), 3, 1)]


def funnel(r: dict) -> list[tuple]:
    return [(x["level"], x["entered"], x["carted"], x["purchased"], x["cart_abandonment"])
            for x in r["funnel"]]


def test_funnel_and_conversion_window(shop: Engine) -> None:
    # s3/u3 add to cart 48 h after their first view: outside a 24 h window, inside 72 h;
    # s2/u2 buy without a cart and s5/u4 without a view: never a conversion
    assert funnel(both(shop)) == [("session", 4, 2, 2, 0.0), ("user", 3, 1, 1, 0.0)]
    assert funnel(both(shop, window_hours=72)) == [
        ("session", 4, 3, 2, 0.333333), ("user", 3, 2, 1, 0.5)]
    r = both(shop)["funnel"][0]
    assert (r["view_to_cart"], r["cart_to_purchase"], r["view_to_purchase"]) == (0.5, 1.0, 0.5)


def test_from_to_boundaries(shop: Engine) -> None:
    # one day: the day's numbers; its week and month whole
    r = both(shop, start=D("2024-12-29"), end=D("2024-12-29"))
    assert [(x["day"].isoformat(), x["users"]) for x in r["dau"]] == [("2024-12-29", 1)]
    assert [(x["week"].isoformat(), x["users"]) for x in r["wau"]] == [("2024-12-23", 1)]
    assert [(x["month"].isoformat(), x["users"]) for x in r["mau"]] == [("2024-12-01", 3)]
    assert rev(r["revenue_by_category"]) == [
        ("2024-12-29", "electronics.smartphone", Decimal("200.00"), 2, 0)]
    assert r["aov"]["orders"] == 1 and r["aov"]["aov"] == Decimal("200.00")
    # the session that bought on 12-29 entered the funnel at 23:59:59 the day before
    assert funnel(r) == [("session", 0, 0, 0, None), ("user", 0, 0, 0, None)]
    assert funnel(both(shop, start=D("2024-12-28"), end=D("2024-12-28"))) == [
        ("session", 1, 1, 1, 0.0), ("user", 1, 1, 1, 0.0)]
    # the last day is included, the day after is not
    r = both(shop, start=D("2025-01-03"), end=D("2025-01-06"))
    assert [x["day"].isoformat() for x in r["dau"]] == ["2025-01-03", "2025-01-06"]


def test_empty_ranges(shop: Engine) -> None:
    # gap days: nothing happened, but the week/month and trailing windows did
    r = both(shop, start=D("2025-01-04"), end=D("2025-01-05"))
    assert r["dau"] == [] and r["revenue_by_category"] == [] and r["top_products"] == []
    assert [(x["week"].isoformat(), x["users"]) for x in r["wau"]] == [("2024-12-30", 3)]
    assert [x["active_7d"] for x in r["rolling_active"]] == [3, 3]
    assert r["aov"] == {"orders": 0, "gross": Decimal("0"), "refunds": Decimal("0"),
                        "net": Decimal("0"), "aov": None}
    # outside the data altogether
    r = both(shop, start=D("2026-03-01"), end=D("2026-03-31"))
    for key in ("dau", "wau", "mau", "rolling_active", "stickiness", "revenue_by_category",
                "top_products", "top_categories", "top_brands"):
        assert r[key] == [], key
    assert funnel(r) == [("session", 0, 0, 0, None), ("user", 0, 0, 0, None)]


def test_empty_database(engine: Engine) -> None:
    r = both(engine)
    assert r["start"] is None and r["dau"] == [] and r["funnel"] == []


@pytest.mark.parametrize("metric", METRIC_QUERY_NAMES)
def test_every_metric_query_same_rows_raw_and_planned(shop: Engine, metric: str) -> None:
    from shoplens.metrics import rollups

    rollups.rebuild(shop)
    for start, end in [(D("2024-12-28"), D("2025-01-06")), (D("2024-12-31"), D("2025-01-01")),
                       (D("2025-01-04"), D("2025-01-05"))]:
        if metric in ("wau", "mau"):  # the metric asks for whole periods
            lo, hi = period_bounds(metric[0].replace("w", "week").replace("m", "month"),
                                   start, end)
            start, end = lo, hi - timedelta(days=1)
        q = metric_query(metric, first=start, last=end, grain="week", top_n=2)
        assert sorted(rows(shop, q, "naive"), key=str) == sorted(rows(shop, q, "optimized"),
                                                                  key=str)


def test_params_validation() -> None:
    with pytest.raises(ValueError, match="after"):
        MetricsParams(start=D("2025-01-02"), end=D("2025-01-01"))
    with pytest.raises(ValueError):
        MetricsParams(window_hours=0)
    with pytest.raises(ValueError):
        MetricsParams(grain="year")  # type: ignore[arg-type]
