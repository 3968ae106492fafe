"""A tiny hand-made shop whose every pattern number is counted by hand below.

Vocabulary mixes trackers on purpose (GA4, Segment, Shopify, REES46, legacy).

u1  S1  10:00 view_item p1 | 10:01 view_item p2 | 10:02 add_to_cart p2 |
        10:03 begin_checkout | 10:05 purchase p2                       -> converts, 5 min
u2  S2  d1 11:00 Product Viewed p1 | 11:01 Product Added p1 | 11:02 Product Removed p1
    S3  d2 09:00 Product Viewed p1 | 09:02 Product Added p1 | 09:04 Order Completed p1
        (S2 abandoned; S3 carted and converted; S2 recovered 22 h after it ended)
u3  S4  d1 12:00 product_viewed p3 | 12:01 product_viewed p4 | 12:02 product_viewed p5
        (p3 10, p4 20, p5 30 of one category: price-sensitive browsing), no cart
u4  S5  d1 13:00 add_to_wishlist p1 | 13:01 add_to_wishlist p2 | 13:02 add_to_wishlist p3
        (wishlist collector, never buys)
u5  no session id: d1 08:00 viewed p1 | 08:10 add-to-cart p1 | 08:20 purchased p1
        (one gap-session, converted), d1 10:00 viewed p2 | 10:05 add-to-cart p2
        (a second gap-session, 100 min later: abandoned; recovered 167.93 h later)
    and d8 10:00 viewed p1 | 10:01 purchased p1 (third gap-session; converts)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd

D1 = datetime(2024, 3, 1)


def _t(day: int, hh: int, mm: int) -> datetime:
    return datetime(2024, 3, day, hh, mm)


ROWS = [
    # user, session, raw, product, time
    ("u1", "s1", "view_item", "p1", _t(1, 10, 0)),
    ("u1", "s1", "view_item", "p2", _t(1, 10, 1)),
    ("u1", "s1", "add_to_cart", "p2", _t(1, 10, 2)),
    ("u1", "s1", "begin_checkout", None, _t(1, 10, 3)),
    ("u1", "s1", "purchase", "p2", _t(1, 10, 5)),
    ("u2", "s2", "Product Viewed", "p1", _t(1, 11, 0)),
    ("u2", "s2", "Product Added", "p1", _t(1, 11, 1)),
    ("u2", "s2", "Product Removed", "p1", _t(1, 11, 2)),
    ("u2", "s3", "Product Viewed", "p1", _t(2, 9, 0)),
    ("u2", "s3", "Product Added", "p1", _t(2, 9, 2)),
    ("u2", "s3", "Order Completed", "p1", _t(2, 9, 4)),
    ("u3", "s4", "product_viewed", "p3", _t(1, 12, 0)),
    ("u3", "s4", "product_viewed", "p4", _t(1, 12, 1)),
    ("u3", "s4", "product_viewed", "p5", _t(1, 12, 2)),
    ("u4", "s5", "add_to_wishlist", "p1", _t(1, 13, 0)),
    ("u4", "s5", "add_to_wishlist", "p2", _t(1, 13, 1)),
    ("u4", "s5", "add_to_wishlist", "p3", _t(1, 13, 2)),
    ("u5", None, "viewed", "p1", _t(1, 8, 0)),
    ("u5", None, "add-to-cart", "p1", _t(1, 8, 10)),
    ("u5", None, "purchased", "p1", _t(1, 8, 20)),
    ("u5", None, "viewed", "p2", _t(1, 10, 0)),
    ("u5", None, "add-to-cart", "p2", _t(1, 10, 5)),
    ("u5", None, "viewed", "p1", _t(8, 10, 0)),
    ("u5", None, "purchased", "p1", _t(8, 10, 1)),
]

PRODUCTS = pd.DataFrame({
    "product_id": ["p1", "p2", "p3", "p4", "p5"],
    "category": ["electronics.smartphone", "electronics.smartphone", "apparel.shoes",
                 "apparel.shoes", "apparel.shoes"],
    "price": [Decimal("100.00"), Decimal("250.00"), Decimal("10.00"), Decimal("20.00"),
              Decimal("30.00")],
})


def events_frame(rows: list[tuple] | None = None) -> pd.DataFrame:
    rows = ROWS if rows is None else rows
    return pd.DataFrame({
        "event_id": list(range(1, len(rows) + 1)),
        "user_id": [r[0] for r in rows],
        "session_id": [r[1] for r in rows],
        "raw_event": [r[2] for r in rows],
        "product_id": [r[3] for r in rows],
        "event_time": [r[4] for r in rows],
        "quantity": [1] * len(rows),
    })


def seed(engine, rows: list[tuple] | None = None) -> None:  # type: ignore[no-untyped-def]
    engine.append_df("products", PRODUCTS)
    engine.append_df("events", events_frame(rows))
