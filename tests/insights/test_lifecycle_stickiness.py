"""Lifecycle and stickiness on the tiny shop (tests/insights/shop.py), by hand:

weeks active: u1 W1 W2, u2 W1 W3, u3 W2, u5 W3;
days active:  u1 01-05 01-14 01-15, u2 01-06 01-21, u3 01-13, u5 01-20.
"""

from __future__ import annotations

import json
from typing import Any

import shoplens as sl


def rows(result: Any) -> list[tuple[Any, ...]]:
    return [(p["date"], p["new"], p["returning"], p["resurrecting"], p["dormant"])
            for p in result.to_dict()["points"]]


def test_weekly_lifecycle(shop_url: str) -> None:
    assert rows(sl.lifecycle(shop_url, interval="week")) == [
        ("2026-01-05", 2, 0, 0, 0),
        ("2026-01-12", 1, 1, 0, -1),   # u3 new, u1 returning, u2 dormant
        ("2026-01-19", 1, 0, 1, -2),   # u5 new, u2 resurrecting, u1 and u3 dormant
    ]


def test_daily_lifecycle_counts_history_before_the_range(shop_url: str) -> None:
    got = rows(sl.lifecycle(shop_url, interval="day", date_from="2026-01-13",
                            date_to="2026-01-16"))
    assert got == [("2026-01-13", 1, 0, 0, 0), ("2026-01-14", 0, 0, 1, -1),
                   ("2026-01-15", 0, 1, 0, 0), ("2026-01-16", 0, 0, 0, -1)]


def test_lifecycle_of_buyers_in_france_via_cli(cli: Any, shop_url: str) -> None:
    r = cli("lifecycle", "--event", "action:purchase", "--where", "user.country=FR",
            "--interval", "week", "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    points = json.loads(r.stdout)["points"]
    assert [(p["new"], p["dormant"]) for p in points] == [(1, 0), (0, -1), (0, 0)]
    r = cli("lifecycle", "--interval", "week", "--db", shop_url)
    assert r.exit_code == 0 and "resurrecting" in r.stdout


def test_stickiness(shop_url: str) -> None:
    r = sl.stickiness(shop_url, interval="week")
    (s,) = r.to_dict()["series"]
    assert [(p["intervals"], p["users"], p["share"]) for p in s["points"]] == [
        (1, 2, 0.5), (2, 2, 0.5), (3, 0, 0.0)]
    r = sl.stickiness(shop_url, interval="day", breakdown="country", breakdown_limit=1)
    got = {s["breakdown_value"]: [p["users"] for p in s["points"][:4]]
           for s in r.to_dict()["series"]}
    assert got == {"FR": [1, 0, 1, 0], "(other)": [1, 1, 0, 0]}
    assert r.to_frame().shape == (2 * 17, 5)


def test_stickiness_cli(cli: Any, shop_url: str) -> None:
    r = cli("stickiness", "--event", "action:view", "--interval", "week", "--json",
            "--db", shop_url)
    assert r.exit_code == 0, r.output
    # viewers: u1 W1 W2, u2 W1, u3 W2, u5 W3
    assert [p["users"] for p in json.loads(r.stdout)["series"][0]["points"]] == [3, 1, 0]
