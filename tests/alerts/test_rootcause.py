"""Adtributor on hand-made breakdowns: the outage names its country, an even drop names
nothing, a ratio's cause is found through numerator and denominator."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

from shoplens.alerts.rootcause import explain, pivot, root_cause

DAYS = pd.date_range("2024-03-01", periods=30, freq="D", name="day")
SHARE = {"US": 0.4, "DE": 0.3, "FR": 0.2, "PL": 0.1}


def long_frame(day_values: dict[pd.Timestamp, dict[str, float]], total: float = 1000.0,
               with_b: bool = False) -> pd.DataFrame:
    rows = []
    for d in DAYS:
        values = day_values.get(d, {k: total * s for k, s in SHARE.items()})
        for k, v in values.items():
            row = {"day": d, "value": k, "A": v}
            if with_b:
                row["B"] = total * SHARE[k] * 20
            rows.append(row)
    return pd.DataFrame(rows)


NORMAL = pd.Series(True, index=DAYS)


def test_a_country_outage_names_the_country_first() -> None:
    day = DAYS[-1]
    hit = {k: 1000 * s for k, s in SHARE.items()} | {"DE": 20.0}
    causes = root_cause(day, 1000.0, {"user.country": pivot(long_frame({day: hit}))}, NORMAL,
                        actual_total=sum(hit.values()))
    assert causes[0].property == "user.country" and causes[0].value == "DE"
    assert causes[0].share_of_gap == pytest.approx(1.0, abs=0.01)
    assert causes[0].usual_share == pytest.approx(0.3)


def test_the_dimension_with_the_surprise_wins() -> None:
    day = DAYS[-1]
    country = {k: 1000 * s for k, s in SHARE.items()} | {"FR": 0.0}
    # the same 200 missing, spread evenly over the categories
    category = {c: 800 / 4 for c in ("a", "b", "c", "d")}
    cats = pd.DataFrame([{"day": d, "value": c, "A": 250.0} for d in DAYS[:-1]
                         for c in category] +
                        [{"day": day, "value": c, "A": v} for c, v in category.items()])
    causes = root_cause(day, 1000.0, {"product.category": pivot(cats),
                                      "user.country": pivot(long_frame({day: country}))},
                        NORMAL, actual_total=800.0)
    assert [(c.property, c.value) for c in causes] == [("user.country", "FR")]


def test_an_even_drop_names_nothing() -> None:
    day = DAYS[-1]
    even = {k: 500 * s for k, s in SHARE.items()}
    assert root_cause(day, 1000.0, {"user.country": pivot(long_frame({day: even}))}, NORMAL,
                      actual_total=500.0) == []


def test_ratio_cause_uses_numerator_and_denominator() -> None:
    day = DAYS[-1]
    # conversion = buyers / visitors; PL's buyers vanish, visitors unchanged
    hit = {k: 1000 * s for k, s in SHARE.items()} | {"PL": 0.0}
    frame = long_frame({day: hit}, with_b=True)
    causes = root_cause(day, 0.05, {"user.country": pivot(frame)}, NORMAL,
                        ratio_expected=0.05, actual_total=0.045)
    assert causes and causes[0].value == "PL"
    assert causes[0].share_of_gap == pytest.approx(1.0, abs=0.05)


def test_explain_thresholds() -> None:
    actual = pd.Series({"a": 100.0, "b": 100.0, "c": 40.0})
    expected = pd.Series({"a": 100.0, "b": 100.0, "c": 100.0})
    causes, surprise = explain("p", actual, expected)
    assert [c.value for c in causes] == ["c"] and surprise > 0


def test_ratio_element_that_lost_all_of_its_denominator_has_finite_shares() -> None:
    """All of the expected traffic was in DE and none of today's is: Adtributor's
    derived-measure share is 0/0 for DE. It must not surface as a NaN share of the gap
    (a "nan %" in the message, NaN in the JSON)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        causes, surprise = explain(
            "country", pd.Series({"DE": 0.0, "FR": 5.0}), pd.Series({"DE": 10.0, "FR": 0.0}),
            actual_b=pd.Series({"DE": 0.0, "FR": 100.0}),
            expected_b=pd.Series({"DE": 100.0, "FR": 0.0}))
    assert causes
    assert all(math.isfinite(c.share_of_gap) for c in causes)
    assert math.isfinite(surprise)
