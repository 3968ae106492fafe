"""Retention on the tiny shop (tests/insights/shop.py), weekly, worked out by hand:

first start ever: u1 W1, u2 W1, u3 W2, u5 W3; active weeks: u1 W1 W2, u2 W1 W3, u3 W2,
u5 W3; purchases: u1 W1 90, u2 W1 60, u2 W3 200. The data ends on 01-21, so W4 and
later have not happened (None).
"""

from __future__ import annotations

import json
from typing import Any

import shoplens as sl


def triangle(result: Any) -> list[tuple[Any, ...]]:
    return [(c["cohort"], c["breakdown_value"], c["size"], c["values"])
            for c in result.to_dict()["cohorts"]]


def test_first_time_weekly(shop_url: str) -> None:
    r = sl.retention(shop_url, period="week", total_intervals=3)
    assert triangle(r) == [("2026-01-05", None, 2, [2.0, 1.0, 1.0]),
                           ("2026-01-12", None, 1, [1.0, 0.0, None]),
                           ("2026-01-19", None, 1, [1.0, None, None])]
    assert r.to_dict()["cohorts"][0]["rates"] == [1.0, 0.5, 0.5]
    assert r.to_dict()["average"] == [1.0, 1 / 3, 0.5]


def test_cumulative_and_recurring(shop_url: str) -> None:
    r = sl.retention(shop_url, period="week", total_intervals=3, cumulative=True)
    assert [c["values"] for c in r.to_dict()["cohorts"]] == [
        [2.0, 2.0, 1.0], [1.0, 0.0, None], [1.0, None, None]]
    r = sl.retention(shop_url, period="week", total_intervals=3, retention_type="recurring")
    assert triangle(r) == [("2026-01-05", None, 2, [2.0, 1.0, 1.0]),
                           ("2026-01-12", None, 2, [2.0, 0.0, None]),
                           ("2026-01-19", None, 2, [2.0, None, None])]


def test_revenue_retention_and_ltv(shop_url: str) -> None:
    r = sl.retention(shop_url, start_event="action:view", return_event="action:purchase",
                     measure="revenue", period="week", total_intervals=3)
    first = r.to_dict()["cohorts"][0]
    assert (first["values"], first["rates"]) == ([150.0, 0.0, 200.0], [1.0, 0.0, 200 / 150])
    r = sl.retention(shop_url, return_event="action:purchase", measure="revenue",
                     cumulative=True, period="week", total_intervals=3)
    first = r.to_dict()["cohorts"][0]
    assert (first["values"], first["rates"]) == ([150.0, 150.0, 350.0], [75.0, 75.0, 175.0])


def test_breakdown_top_n(shop_url: str) -> None:
    r = sl.retention(shop_url, period="week", total_intervals=3, breakdown="country",
                     breakdown_limit=1)
    assert triangle(r) == [("2026-01-05", "FR", 1, [1.0, 1.0, 0.0]),
                           ("2026-01-05", "(other)", 1, [1.0, 0.0, 1.0]),
                           ("2026-01-12", "FR", 1, [1.0, 0.0, None]),
                           ("2026-01-19", "(other)", 1, [1.0, None, None])]


def test_retention_cli(cli: Any, shop_url: str) -> None:
    r = cli("retention", "--event", "action:view", "--return-event", "action:purchase",
            "--interval", "week", "--intervals", "3", "--where", "user.channel=newsletter",
            "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    assert [(c["size"], c["values"]) for c in json.loads(r.stdout)["cohorts"]] == [
        (1, [1.0, 0.0, 1.0])]
    r = cli("retention", "--interval", "week", "--intervals", "3", "--db", shop_url)
    assert r.exit_code == 0 and "2026-01-05" in r.stdout and "50.0%" in r.stdout


def test_observed_censoring_hides_the_partial_last_week(shop_url: str) -> None:
    """The data ends on Wednesday 01-21: with ``censoring="observed"`` the week of 01-19
    is not wholly observed, so no cell that needs it is shown (W3's own cohort too)."""
    r = sl.query({"kind": "retention", "period": "week", "total_intervals": 3,
                  "censoring": "observed"}, shop_url)
    assert triangle(r) == [("2026-01-05", None, 2, [2.0, 1.0, None]),
                           ("2026-01-12", None, 1, [1.0, None, None]),
                           ("2026-01-19", None, 1, [None, None, None])]
    assert r.to_dict()["cohorts"][0]["observed"] == [True, True, False]


def test_cohort_options_are_validated(shop_url: str) -> None:
    import pytest

    from shoplens.errors import ConfigError

    for doc, words in (
            ({"cohort_by": "signup", "retention_type": "recurring"}, "first_time"),
            ({"cohort_by": "signup", "breakdowns": [{"property": "country"}]}, "broken down"),
            ({"total_intervals": 401}, "total_intervals")):
        with pytest.raises(ConfigError, match=words):
            sl.query({"kind": "retention", **doc}, shop_url)
