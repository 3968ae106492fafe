"""A tiny hand-made shop with literal expected metrics (see test_metrics_values.py).

The week of Monday 2024-12-30 crosses the new year; u3 is active on a single day of
each part; product p3's name is hostile; p9 is not in the catalogue; most purchases
carry no price (the list price applies); one refund; one event of unknown type.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from shoplens.engines import Engine

PRODUCTS = pd.DataFrame({
    "product_id": ["p1", "p2", "p3"],
    "category": ["electronics.smartphone", "apparel.shoes", "electronics.smartphone"],
    "price": [Decimal("100.00"), Decimal("19.99"), Decimal("0.10")],
    "brand": ["apple", None, "samsung"],
    "name": ["Phone", "Shoe", "O'Brien's \"best\" 100%"],
})

_ROWS = [
    # user, session, type, raw, product, price, quantity, time
    ("u1", "s1", "view", "viewed", "p1", None, 1, "2024-12-28 23:59:59"),
    ("u1", "s1", "cart", "add-to-cart", "p1", None, 1, "2024-12-29 00:00:10"),
    ("u1", "s1", "purchase", "purchased", "p1", None, 2, "2024-12-29 00:01:00"),
    ("u2", "s2", "view", "viewed", "p2", None, 1, "2024-12-30 10:00:00"),
    ("u2", "s2", "purchase", "purchased", "p2", "15.00", 1, "2024-12-30 10:05:00"),
    ("u3", "s3", "view", "viewed", "p3", None, 1, "2024-12-31 12:00:00"),
    ("u1", "s4", "view", "viewed", "p2", None, 1, "2025-01-01 08:00:00"),
    ("u1", "s4", "cart", "add-to-cart", "p2", None, 1, "2025-01-01 08:10:00"),
    ("u1", "s4", "purchase", "purchased", "p2", None, 1, "2025-01-01 08:20:00"),
    ("u3", "s3", "cart", "add-to-cart", "p3", None, 1, "2025-01-02 12:00:00"),
    ("u1", None, "refund", "refund", "p1", None, 1, "2025-01-03 09:00:00"),
    ("u2", None, None, "wishlist", "p1", None, 1, "2025-01-06 07:00:00"),
    ("u4", "s5", "purchase", "purchased", "p9", None, 1, "2025-01-06 18:00:00"),
    ("u4", "s5", "purchase", "purchased", "p3", "0.10", 3, "2025-01-06 18:00:30"),
]


def events(rows: list[tuple] | None = None, *, start_id: int = 1, load_id: int = 1,
           ) -> pd.DataFrame:
    rows = _ROWS if rows is None else rows
    return pd.DataFrame({
        "event_id": range(start_id, start_id + len(rows)),
        "user_id": [r[0] for r in rows],
        "session_id": [r[1] for r in rows],
        "event_type": [r[2] for r in rows],
        "raw_event": [r[3] for r in rows],
        "product_id": [r[4] for r in rows],
        "price": [Decimal(r[5]) if r[5] else None for r in rows],
        "quantity": [r[6] for r in rows],
        "event_time": pd.to_datetime([r[7] for r in rows]),
        "load_id": [load_id] * len(rows),
    })


ROWS = _ROWS


def load_shop(engine: Engine) -> None:
    engine.append_df("products", PRODUCTS)
    engine.append_df("events", events())
