"""A tiny hand-made shop with known personas, for tests that must not wait for the generator."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from shoplens.engines.base import Engine

PERSONAS = ("tech_enthusiast", "bargain_hunter", "fashion_lover", "home_maker", "occasional_browser")

PRODUCTS = [
    # product_id, category, price
    ("101", "electronics.smartphone", 700.0),
    ("102", "electronics.audio.headphone", 250.0),
    ("103", "computers.notebook", 1200.0),
    ("104", "electronics.video.tv", 900.0),
    ("201", "apparel.shoes", 120.0),
    ("202", "apparel.dress", 90.0),
    ("203", "accessories.bag", 150.0),
    ("301", "furniture.living_room.sofa", 800.0),
    ("302", "appliances.kitchen.refrigerators", 950.0),
    ("303", "furniture.bedroom.bed", 600.0),
    ("401", "electronics.smartphone", 90.0),
    ("402", "apparel.shoes", 15.0),
    ("403", "appliances.kitchen.kettle", 12.0),
    ("404", "computers.peripherals.mouse", 8.0),
]
QUERIES = {
    "tech_enthusiast": ["gaming laptop", "noise cancelling headphones", "iphone 15 pro", "4k oled tv"],
    "bargain_hunter": ["cheap phone deal", "discount shoes", "kettle on sale", "clearance mouse"],
    "fashion_lover": ["summer dress", "white sneakers", "leather handbag", "linen shirt"],
    "home_maker": ["corner sofa", "fridge freezer", "king size bed", "kitchen cookware set"],
    "occasional_browser": ["gift ideas"],
}
ITEMS = {
    "tech_enthusiast": ["101", "102", "103", "104"],
    "bargain_hunter": ["401", "402", "403", "404"],
    "fashion_lover": ["201", "202", "203"],
    "home_maker": ["301", "302", "303"],
    "occasional_browser": [p[0] for p in PRODUCTS],
}


def make_shop(n_per_persona: int = 40, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    users, personas, events, searches = [], [], [], []
    uid = 1000
    for persona in PERSONAS:
        for _ in range(n_per_persona):
            uid += 1
            user = str(uid)
            users.append(
                {
                    "user_id": user,
                    "signup_date": (start - timedelta(days=int(rng.integers(0, 300)))).date(),
                    "country": ["FR", "DE", "US"][uid % 3],
                }
            )
            personas.append({"user_id": user, "persona": persona})
            occasional = persona == "occasional_browser"
            n_sessions = 1 if occasional else int(rng.integers(4, 9))
            for _s in range(n_sessions):
                sid = str(uuid.UUID(int=int(rng.integers(0, 2**62)) * 7 + uid))
                t = start + timedelta(days=float(rng.uniform(0, 60)), hours=float(rng.uniform(8, 22)))
                n_views = 1 if occasional else int(rng.integers(3, 8))
                for _v in range(n_views):
                    pid = str(rng.choice(ITEMS[persona]))
                    t += timedelta(minutes=float(rng.uniform(1, 5)))
                    events.append((user, sid, "view", pid, t))
                    if not occasional and rng.random() < 0.3:
                        events.append((user, sid, "cart", pid, t + timedelta(seconds=30)))
                        if rng.random() < 0.6:
                            events.append((user, sid, "purchase", pid, t + timedelta(seconds=90)))
                if rng.random() < 0.9 or not occasional:
                    q = str(rng.choice(QUERIES[persona]))
                    searches.append((user, q, t - timedelta(minutes=1)))
    ev = pd.DataFrame(events, columns=["user_id", "session_id", "event_type", "product_id", "event_time"])
    ev.insert(0, "event_id", np.arange(1, len(ev) + 1, dtype=np.int64))
    ev["raw_event"] = ev["event_type"]
    ev["quantity"] = 1
    sl = pd.DataFrame(searches, columns=["user_id", "search_query", "ts"])
    sl.insert(0, "search_id", np.arange(1, len(sl) + 1, dtype=np.int64))
    sl["clicked_product_ids"] = [[] for _ in range(len(sl))]
    return {
        "users": pd.DataFrame(users),
        "products": pd.DataFrame(PRODUCTS, columns=["product_id", "category", "price"]),
        "events": ev,
        "search_logs": sl,
        "personas": pd.DataFrame(personas),
    }


def load_shop(engine: Engine, shop: dict[str, pd.DataFrame]) -> None:
    with engine.transaction():
        for table in ("users", "products", "events", "search_logs"):
            engine.append_df(table, shop[table])


def personas_series(shop: dict[str, pd.DataFrame]) -> pd.Series:
    p = shop["personas"]
    return pd.Series(p["persona"].to_numpy(), index=p["user_id"].astype("string"), name="persona")
