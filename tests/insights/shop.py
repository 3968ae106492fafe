"""A tiny hand-made shop: every expected number in the insight tests is counted from
this table by hand.

Weeks (Monday): W1 = 2026-01-05, W2 = 2026-01-12, W3 = 2026-01-19.

==  ====  ====  ===============  ========  ====  =====  ===  ================  =========================
id  user  sess  raw_event        type      prod  price  qty  time (UTC)        properties (utm: utm_source)
==  ====  ====  ===============  ========  ====  =====  ===  ================  =========================
1   u1    s1    page_view        -         -     -      1    01-05 09:00       utm=google, device=mobile
2   u1    s1    view             view      p1    -      1    01-05 09:05
3   u1    s1    add_to_cart      cart      p1    -      1    01-05 09:06
13  u1    s1    checkout_started -         -     -      1    01-05 09:08
4   u1    s1    payment_done     -         p1    90     1    01-05 09:10       coupon=WINTER, amount=90
5   u2    s2    page_view        -         -     -      1    01-06 22:30       utm=newsletter, device=desktop
6   u2    s2    view             view      p2    -      1    01-06 22:31
7   u2    s2    payment_done     -         p2    20     3    01-06 22:40       amount=60
8   u3    s3    view             view      p1    -      1    01-13 12:00       utm=google
9   u1    s4    view             view      p2    -      1    01-14 08:00
10  u1    s4    refund           refund    p1    90     1    01-15 10:00
11  u5    -     view             view      p1    -      1    01-20 23:30       utm=O'Hara ads
12  u2    s5    payment_done     -         p1    -      2    01-21 07:00
==  ====  ====  ===============  ========  ====  =====  ===  ================  =========================

``payment_done`` has no canonical type at import (as a real tracker's export), so
revenue only counts it once the taxonomy is applied (``TYPED`` loads it typed
``purchase`` as if it were).

Products: p1 electronics.phone / Acme / 100; p2 home / O'Neil / 20.
Users: u1 FR (signup 2025-12-01), u2 DE (2026-01-06), u3 FR (2026-01-13), u4 US (no events);
u5 has events but no user row.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from shoplens.engines import Engine

T = dt.datetime
ROWS = [
    (1, "u1", "s1", "page_view", None, None, None, 1, T(2026, 1, 5, 9, 0),
     {"utm_source": "google", "device": "mobile"}),
    (2, "u1", "s1", "view", "view", "p1", None, 1, T(2026, 1, 5, 9, 5), None),
    (3, "u1", "s1", "add_to_cart", "cart", "p1", None, 1, T(2026, 1, 5, 9, 6), None),
    (13, "u1", "s1", "checkout_started", None, None, None, 1, T(2026, 1, 5, 9, 8), None),
    (4, "u1", "s1", "payment_done", None, "p1", 90.0, 1, T(2026, 1, 5, 9, 10),
     {"coupon": "WINTER", "amount": "90"}),
    (5, "u2", "s2", "page_view", None, None, None, 1, T(2026, 1, 6, 22, 30),
     {"utm_source": "newsletter", "device": "desktop"}),
    (6, "u2", "s2", "view", "view", "p2", None, 1, T(2026, 1, 6, 22, 31), None),
    (7, "u2", "s2", "payment_done", None, "p2", 20.0, 3, T(2026, 1, 6, 22, 40), {"amount": "60"}),
    (8, "u3", "s3", "view", "view", "p1", None, 1, T(2026, 1, 13, 12, 0), {"utm_source": "google"}),
    (9, "u1", "s4", "view", "view", "p2", None, 1, T(2026, 1, 14, 8, 0), None),
    (10, "u1", "s4", "refund", "refund", "p1", 90.0, 1, T(2026, 1, 15, 10, 0), None),
    (11, "u5", None, "view", "view", "p1", None, 1, T(2026, 1, 20, 23, 30),
     {"utm_source": "O'Hara ads"}),
    (12, "u2", "s5", "payment_done", None, "p1", None, 2, T(2026, 1, 21, 7, 0), None),
]
COLUMNS = ["event_id", "user_id", "session_id", "raw_event", "event_type", "product_id",
           "price", "quantity", "event_time", "properties"]


def events_frame(*, typed: bool = False) -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=COLUMNS)
    df["properties"] = [json.dumps(p) if p else None for p in df["properties"]]
    if typed:
        df.loc[df["raw_event"] == "payment_done", "event_type"] = "purchase"
    df["price"] = df["price"].astype("float64")
    return df


def load(engine: Engine, *, typed: bool = False) -> None:
    """Write the tiny shop into an empty ShopLens database."""
    engine.append_df("events", events_frame(typed=typed))
    engine.append_df("products", pd.DataFrame({
        "product_id": ["p1", "p2"], "category": ["electronics.phone", "home"],
        "price": [100.0, 20.0], "brand": ["Acme", "O'Neil"], "name": ["Phone", "Lamp"]}))
    engine.append_df("users", pd.DataFrame({
        "user_id": ["u1", "u2", "u3", "u4"], "country": ["FR", "DE", "FR", "US"],
        "signup_date": [dt.date(2025, 12, 1), dt.date(2026, 1, 6), dt.date(2026, 1, 13),
                        dt.date(2026, 1, 2)]}))
    sessions = (events_frame().dropna(subset=["session_id"]).groupby("session_id")
                .agg(user_id=("user_id", "first"), session_start=("event_time", "min"),
                     session_end=("event_time", "max"), n_events=("event_id", "count"))
                .reset_index())
    sessions["n_events"] = sessions["n_events"].astype("int32")
    engine.append_df("sessions", sessions)
