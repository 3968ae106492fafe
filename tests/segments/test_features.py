"""Per-user features on hand-made events with literal expected values, on both engines."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from shoplens.engines import Engine
from shoplens.segments.features import compute_features


def _load(engine: Engine) -> None:
    engine.append_df(
        "users",
        pd.DataFrame(
            {
                "user_id": ["a", "b", "c"],
                "signup_date": [date(2024, 1, 1), None, date(2024, 3, 9)],
                "country": ["FR", "DE", "FR"],
            }
        ),
    )
    engine.append_df(
        "products",
        pd.DataFrame(
            {
                "product_id": ["p1", "p2", "p3", "p4"],
                "category": [
                    "electronics.smartphone",
                    "electronics.smartphone",
                    "apparel.shoes",
                    "apparel.shoes",
                ],
                "price": [100.0, 300.0, 50.0, 150.0],
                "brand": ["x", "y", "O'Brien", None],
                "name": [None] * 4,
            }
        ),
    )
    rows = [
        # user a: 2 sessions, views p1 p2, carts and buys p2 twice (qty 2 in one event), then a refund
        ("a", "s1", "view", "p1", None, 1, "2024-03-01 09:00:00"),
        ("a", "s1", "view", "p2", None, 1, "2024-03-01 09:05:00"),
        ("a", "s1", "cart", "p2", None, 1, "2024-03-01 09:06:00"),
        ("a", "s1", "purchase", "p2", 280.0, 2, "2024-03-01 09:07:00"),  # price paid 280 x 2
        ("a", "s2", "view", "p3", None, 1, "2024-03-05 20:00:00"),
        ("a", "s2", "purchase", "p3", None, 1, "2024-03-05 20:01:00"),  # list price 50
        ("a", "s2", "refund", "p3", None, 1, "2024-03-06 20:01:00"),  # minus 50
        # user b: one view, no session id, no signup date
        ("b", None, "view", "p4", None, 1, "2024-03-10 23:30:00"),
        # user c: views only
        ("c", "s3", "view", "p3", None, 1, "2024-03-08 13:00:00"),
        ("c", "s3", "view", "p4", None, 1, "2024-03-08 13:10:00"),
    ]
    ev = pd.DataFrame(
        rows, columns=["user_id", "session_id", "event_type", "product_id", "price", "quantity", "event_time"]
    )
    ev["event_time"] = pd.to_datetime(ev["event_time"])
    ev.insert(0, "event_id", range(len(ev)))
    ev["raw_event"] = ev["event_type"]
    engine.append_df("events", ev)


def test_features_literal(engine: Engine) -> None:
    _load(engine)
    f = compute_features(engine, prior_events=0)
    df = f.frame
    assert list(df.index) == ["a", "b", "c"]
    assert f.as_of == datetime(2024, 3, 10, 23, 30)
    a, b, c = df.loc["a"], df.loc["b"], df.loc["c"]
    assert a["n_events"] == 7 and a["n_sessions"] == 2 and a["active_days"] == 3
    assert (a["views"], a["carts"], a["purchased_items"]) == (3, 1, 3)
    assert a["frequency"] == 2  # two sessions with a purchase
    assert a["monetary"] == pytest.approx(560.0)  # 280*2 + 50 - 50
    assert a["cart_rate"] == pytest.approx(1 / 3)
    assert a["purchase_rate"] == pytest.approx(1.0)  # 2 purchase sessions / 2 sessions
    assert a["conversion"] == pytest.approx(1.0)  # 3 items / 3 views
    assert a["recency_days"] == pytest.approx(
        (datetime(2024, 3, 10, 23, 30) - datetime(2024, 3, 6, 20, 1)).total_seconds() / 86400
    )
    assert a["tenure_days"] == pytest.approx(
        (datetime(2024, 3, 10, 23, 30) - datetime(2024, 1, 1)).total_seconds() / 86400
    )
    assert a["aff_electronics"] == pytest.approx(4 / 7) and a["aff_apparel"] == pytest.approx(3 / 7)
    # b: no session id -> sessions counted as active days; no signup -> first event
    assert b["n_sessions"] == 0 and b["sessions_or_days"] == 1
    assert b["tenure_days"] == 0 and b["recency_days"] == 0
    assert b["frequency"] == 0 and b["monetary"] == 0
    assert b["share_night"] == 0 and b["share_evening"] == 1
    # c: signup after its first event -> tenure from the first event
    assert c["tenure_days"] == pytest.approx(
        (datetime(2024, 3, 10, 23, 30) - datetime(2024, 3, 8, 13)).total_seconds() / 86400
    )
    # price band: p3 is the cheaper, p4 the dearer shoe
    assert c["price_pct"] == pytest.approx(0.5) and c["share_cheap"] == pytest.approx(0.5)
    # p4 (150) against the mean price of all shoe events: (4 x 50 + 2 x 150) / 6
    assert b["price_index"] == pytest.approx(150 / (500 / 6))
    assert c["share_afternoon"] == 1


def test_shrinkage_pulls_thin_users_to_the_mean(engine: Engine) -> None:
    _load(engine)
    raw = compute_features(engine, prior_events=0).frame
    shrunk = compute_features(engine, prior_events=2).frame
    # b has 1 event: 100 % apparel raw, pulled far towards the mean
    assert raw.loc["b", "aff_apparel"] == 1.0
    assert raw.loc["b", "aff_apparel"] > shrunk.loc["b", "aff_apparel"] > 0.4
    # a with 7 events moves less than b with 1
    assert (
        abs(shrunk.loc["a", "aff_apparel"] - raw.loc["a", "aff_apparel"]) < 1 - shrunk.loc["b", "aff_apparel"]
    )


def test_no_events_gives_an_empty_frame(engine: Engine) -> None:
    f = compute_features(engine)
    assert f.frame.empty
