"""A tiny hand-made shop, appended through the engine's bulk path (both engines)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd

from shoplens.engines import Engine

START = datetime(2024, 1, 1, 9, 0)


def load_tiny_shop(engine: Engine) -> dict[str, int]:
    """Five users over five weeks; returns the literal counts a test expects."""
    users = pd.DataFrame({
        "user_id": ["u1", "u2", "u3", "u4", "u5"],
        "signup_date": [START.date() + timedelta(days=d) for d in (0, 0, 7, 14, 30)],
        "country": ["FR", "DE", "FR", "PL", "O'Brien-land"],
    })
    products = pd.DataFrame({
        "product_id": ["p1", "p2", "p3"],
        "category": ["electronics.smartphone", "apparel.shoes", "furniture.living_room.sofa"],
        "price": [Decimal("499.0000"), Decimal("59.9000"), Decimal("899.0000")],
        "brand": ["acme", None, "sofa & co"],
        "name": ["Phone", "Shoe", "Sofa \"deluxe\""],
    })
    rows = []
    eid = 0

    def ev(user: str, session: str, kind: str, product: str, at: datetime) -> None:
        nonlocal eid
        eid += 1
        rows.append({"event_id": eid, "user_id": user, "session_id": session, "event_type": kind,
                     "raw_event": kind, "product_id": product, "price": None, "quantity": 1,
                     "event_time": at})

    for week in range(5):
        t = START + timedelta(weeks=week)
        ev("u1", f"s1-{week}", "view", "p1", t)
        if week % 2 == 0:
            ev("u1", f"s1-{week}", "cart", "p1", t + timedelta(minutes=2))
            ev("u1", f"s1-{week}", "purchase", "p1", t + timedelta(minutes=5))
    ev("u2", "s2", "view", "p2", START + timedelta(hours=3))
    ev("u2", "s2", "cart", "p2", START + timedelta(hours=3, minutes=1))
    ev("u3", "s3", "view", "p3", START + timedelta(days=8))
    ev("u3", "s3b", "view", "p2", START + timedelta(days=20))
    ev("u4", "s4", "view", "p2", START + timedelta(days=15))
    ev("u4", "s4", "purchase", "p2", START + timedelta(days=15, minutes=4))
    ev("u5", "s5", "view", "p1", START + timedelta(days=31))
    engine.append_df("users", users)
    engine.append_df("products", products)
    events = pd.DataFrame(rows)
    events["price"] = events["price"].astype(object)
    engine.append_df("events", events)
    return {"users": 5, "products": 3, "events": len(rows),
            "sessions": len({r["session_id"] for r in rows}),
            "views": sum(r["event_type"] == "view" for r in rows),
            "purchases": sum(r["event_type"] == "purchase" for r in rows)}
