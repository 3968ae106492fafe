"""Hand-made event logs with their expected triangles worked out by hand."""

from __future__ import annotations

# -- A: order data, the Online Retail classic (first purchase, month by month) -----------
# c1 buys in Jan (two lines, one order), Feb and Apr (price missing: list price 7.5);
# c2 buys in Jan and is refunded in Feb (a refund is not a purchase);
# c3 buys in Feb, Mar and on the last day of the data (Apr 30);
# c4's first row is a refund (Jan 2), its first purchase is in Mar;
# c5 buys in Dec 2010 and Jan 2011 (the offset crosses a year).
ORDERS_PRODUCTS = [
    {"product_id": "p1", "category": "x", "price": 10},
    {"product_id": "p2", "category": "x", "price": 1},
    {"product_id": "p3", "category": "x", "price": 7.5},
]


def _buy(user: str, ts: str, price: float | None, qty: int = 1, product: str = "p1",
         kind: str = "purchase") -> dict:
    return {"user_id": user, "event_type": kind, "product_id": product, "event_time": ts,
            "price": price, "quantity": qty}


ORDERS_EVENTS = [
    _buy("c1", "2011-01-05 10:00:00", 10, 2, "p1"),
    _buy("c1", "2011-01-05 10:00:00", 1, 1, "p2"),
    _buy("c1", "2011-02-10 09:00:00", 5),
    _buy("c1", "2011-04-01 12:00:00", None, 2, "p3"),
    _buy("c2", "2011-01-20 08:00:00", 29),
    _buy("c2", "2011-02-03 08:00:00", 29, kind="refund"),
    _buy("c3", "2011-02-14 11:00:00", 12),
    _buy("c3", "2011-03-01 11:00:00", 6),
    _buy("c3", "2011-04-30 18:00:00", 3),
    _buy("c4", "2011-01-02 07:00:00", 8, kind="refund"),
    _buy("c4", "2011-03-05 07:00:00", 20),
    _buy("c5", "2010-12-15 15:00:00", 10),
    _buy("c5", "2011-01-10 15:00:00", 10),
]

N = None
ORDERS_USERS_CLASSIC = {
    "2010-12-01": (1, [1.0, 1.0, 0.0, 0.0]),
    "2011-01-01": (2, [1.0, 0.5, 0.0, 0.5]),
    "2011-02-01": (1, [1.0, 1.0, 1.0, N]),
    "2011-03-01": (1, [1.0, 0.0, N, N]),
}
# the same data seen only up to Apr 29: April is a partial month, so it is censored
ORDERS_USERS_UNTIL_APR29 = {
    "2010-12-01": (1, [1.0, 1.0, 0.0, 0.0]),
    "2011-01-01": (2, [1.0, 0.5, 0.0, N]),
    "2011-02-01": (1, [1.0, 1.0, N, N]),
    "2011-03-01": (1, [1.0, N, N, N]),
}
ORDERS_USERS_ROLLING = {
    "2010-12-01": (1, [1.0, 1.0, 0.0, 0.0]),
    "2011-01-01": (2, [1.0, 0.5, 0.5, 0.5]),
    "2011-02-01": (1, [1.0, 1.0, 1.0, N]),
    "2011-03-01": (1, [1.0, 0.0, N, N]),
}
# revenue in month N over revenue in month 0; Jan: 21 + 29 = 50, then 5 - 29, 0, 15
ORDERS_REVENUE_CLASSIC = {
    "2010-12-01": (1, [1.0, 1.0, 0.0, 0.0]),
    "2011-01-01": (2, [1.0, -24 / 50, 0.0, 15 / 50]),
    "2011-02-01": (1, [1.0, 6 / 12, 3 / 12, N]),
    "2011-03-01": (1, [1.0, 0.0, N, N]),
}
# cumulative revenue per user (LTV)
ORDERS_REVENUE_CUMULATIVE = {
    "2010-12-01": (1, [10.0, 20.0, 20.0, 20.0]),
    "2011-01-01": (2, [25.0, 13.0, 13.0, 20.5]),
    "2011-02-01": (1, [12.0, 18.0, 21.0, N]),
    "2011-03-01": (1, [20.0, 20.0, N, N]),
}
# orders: c1's two Jan lines are one order
ORDERS_ORDERS_CLASSIC = {
    "2010-12-01": (1, [1.0, 1.0, 0.0, 0.0]),
    "2011-01-01": (2, [1.0, 0.5, 0.0, 0.5]),
    "2011-02-01": (1, [1.0, 1.0, 1.0, N]),
    "2011-03-01": (1, [1.0, 0.0, N, N]),
}

# -- B: the brief's default (monthly signup cohorts, weekly offsets, 8 weeks) ------------
# u1 signs up Wed Jan 3 and is active in weeks 0, 2, 4 (skips 1 and 3) and 9;
# u4 signs up Wed Jan 31; its view on Jan 25 is before signup and never counts;
# u2 has no signup_date: users.first_seen (Tue Feb 6) places it;
# u3 is not in users at all: its first event (Tue Feb 20) places it; its refund is not
# activity. The data ends Sunday Mar 10, so the week of Mar 4 is the last complete one.
SIGNUP_USERS = [
    {"user_id": "u1", "signup_date": "2024-01-03", "country": "FR"},
    {"user_id": "u4", "signup_date": "2024-01-31", "country": "DE"},
    {"user_id": "u2", "signup_date": None, "first_seen": "2024-02-06 09:00:00",
     "country": "DE"},
]


def _ev(user: str, ts: str, kind: str | None = "view") -> dict:
    return {"user_id": user, "event_type": kind, "product_id": "p1", "event_time": ts}


SIGNUP_EVENTS = [
    _ev("u1", "2024-01-03 10:00:00"),
    _ev("u1", "2024-01-17 10:00:00"),
    _ev("u1", "2024-01-29 10:00:00", "cart"),
    _ev("u1", "2024-03-10 23:59:00", None),  # unknown type: still activity
    _ev("u4", "2024-01-25 10:00:00"),
    _ev("u4", "2024-02-01 10:00:00"),
    _ev("u4", "2024-02-05 10:00:00"),
    _ev("u2", "2024-02-06 10:00:00"),
    _ev("u2", "2024-02-13 10:00:00"),
    _ev("u3", "2024-02-20 10:00:00"),
    _ev("u3", "2024-02-27 10:00:00", "refund"),
    _ev("u3", "2024-03-05 10:00:00"),
]
SIGNUP_CLASSIC = {
    "2024-01-01": (2, [1.0, 0.5, 0.5, 0.0, 0.5, 0.0, N, N]),
    "2024-02-01": (2, [1.0, 0.5, 0.5, N, N, N, N, N]),
}
SIGNUP_ROLLING = {
    "2024-01-01": (2, [1.0, 1.0, 0.5, 0.5, 0.5, 0.5, N, N]),
    "2024-02-01": (2, [1.0, 1.0, 0.5, N, N, N, N, N]),
}

# -- C: Monday weeks across New Year (weekly first-activity cohorts) ----------------------
# w1 starts Sunday 2019-12-29 (cohort: Monday Dec 23, ISO 2019-W52) and comes back on
# Mon Dec 30 (week 1) and Mon Jan 6 (week 2); w2 starts Mon Dec 30 (ISO 2020-W01), is
# back on Sun Jan 5 (same week) and on Mon Jan 13, the last day of the data: that week
# is partial, so it is censored.
NEWYEAR_EVENTS = [
    _ev("w1", "2019-12-29 12:00:00"),
    _ev("w1", "2019-12-30 12:00:00"),
    _ev("w1", "2020-01-06 12:00:00"),
    _ev("w2", "2019-12-30 13:00:00"),
    _ev("w2", "2020-01-05 13:00:00"),
    _ev("w2", "2020-01-13 13:00:00"),
]
NEWYEAR_WEEKLY = {
    "2019-12-23": (1, [1.0, 1.0, 1.0, N]),
    "2019-12-30": (1, [1.0, 0.0, N, N]),
}
NEWYEAR_LABELS = ["2019-W52", "2020-W01"]
