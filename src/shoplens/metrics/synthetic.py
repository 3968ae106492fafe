"""A fast, vectorized shop for the benchmark when :mod:`shoplens.generate` is absent.

The benchmark needs tens of millions of plausible events quickly and identically on
every engine (same seed, same rows). This writer builds them with NumPy straight into
the ShopLens tables through :meth:`Engine.append_arrow`: users with heavy-tailed
activity, sessions with a view → cart → purchase funnel, purchases that mostly carry no
price (the legacy layout: revenue falls back to the list price), some refunds, and an
event log appended in time order, as a real tracker writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pyarrow as pa

from shoplens.engines import Engine

CATEGORIES = (
    "electronics.smartphone", "electronics.audio.headphone", "electronics.video.tv",
    "computers.notebook", "computers.peripherals.mouse", "appliances.kitchen.refrigerators",
    "appliances.environment.vacuum", "apparel.shoes", "apparel.costume",
    "furniture.living_room.sofa", "furniture.bedroom.bed", "kids.toys", "sport.bicycle",
    "accessories.bag", "construction.tools.drill",
)
BRANDS = ("samsung", "apple", "xiaomi", "huawei", "lg", "sony", "bosch", "nike", "adidas",
          "ikea", "lenovo", "hp", "asus", "philips", "lego")
RAW = {"view": "viewed", "cart": "add-to-cart", "purchase": "purchased", "refund": "refund"}
CHUNK = 1_000_000


@dataclass(frozen=True)
class SyntheticSummary:
    users: int
    products: int
    sessions: int
    events: int
    first_day: date
    last_day: date


COUNTRIES = ("FR", "DE", "US", "PL", "GB", "ES", "IT", "NL", "BE", "SE", "AT", "CH", "DK",
             "NO", "FI", "IE", "PT", "CZ", "RO", "HU", "GR", "SK", "BG", "HR", "SI", "LT",
             "LV", "EE", "LU", "MT")


def write_shop(engine: Engine, events: int, *, days: int = 182, seed: int = 42,
               start: date = date(2024, 1, 1), countries: int = 5,
               progress: Callable[[int], None] | None = None) -> SyntheticSummary:
    """Append about ``events`` events (plus users and products) over ``days`` days.

    ``countries``: users are spread over the first 5 countries evenly (the default) or,
    above 5, over up to 30 with a long tail (a breakdown's top-N then has an "other").
    """
    rng = np.random.default_rng(seed)
    n_sessions = max(1, events // 8)
    n_users = max(1, events // 40)
    n_products = int(min(50_000, max(2_000, n_users // 4)))

    # catalogue
    pid = np.arange(1_000_000, 1_000_000 + n_products)
    price = np.round(np.exp(rng.normal(4.0, 1.0, n_products)), 2) + 0.99
    engine.append_arrow("products", pa.table({
        "product_id": pa.array(pid.astype(str)),
        "category": pa.array(np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n_products)]),
        "price": pa.array(price).cast(pa.decimal128(18, 4)),
        "brand": pa.array(np.where(rng.random(n_products) < 0.1, None,
                                   np.array(BRANDS, dtype=object)[
                                       rng.integers(0, len(BRANDS), n_products)])),
        "name": pa.array([f"product {p}" for p in pid]),
    }))
    # users
    uid = np.arange(500_000, 500_000 + n_users)
    signup = rng.integers(0, days, n_users)
    engine.append_arrow("users", pa.table({
        "user_id": pa.array(uid.astype(str)),
        "signup_date": pa.array(np.datetime64(start) + signup.astype("timedelta64[D]")),
        "country": pa.array(_countries(rng, n_users, countries)),
    }))

    # sessions: a heavy-tailed share of users, on days after their signup
    s_user = np.minimum((rng.pareto(1.2, n_sessions) * n_users / 20).astype(np.int64),
                        n_users - 1)
    s_user = rng.permutation(n_users)[s_user]
    s_day = signup[s_user] + (rng.random(n_sessions) * (days - signup[s_user])).astype(np.int64)
    s_start = (np.datetime64(start, "s") + (s_day * 86_400).astype("timedelta64[s]")
               + rng.integers(0, 86_400, n_sessions).astype("timedelta64[s]"))
    s_len = 1 + rng.poisson(6, n_sessions)
    scale = events / s_len.sum()
    s_len = np.maximum(1, np.round(s_len * scale)).astype(np.int64)
    s_cart = (rng.random(n_sessions) < 0.3) & (s_len >= 2)
    s_buy = s_cart & (rng.random(n_sessions) < 0.45) & (s_len >= 3)
    s_hex = rng.integers(0, 2**63 - 1, (n_sessions, 2))
    s_id = np.array([f"{a:016x}{b:016x}" for a, b in s_hex], dtype=object)

    # events: a sequence per session
    n = int(s_len.sum())
    sess = np.repeat(np.arange(n_sessions), s_len)
    first = np.cumsum(s_len) - s_len
    pos = np.arange(n) - first[sess]
    last = s_len[sess] - 1
    kind = np.zeros(n, dtype=np.int8)  # 0 view, 1 cart, 2 purchase
    kind[s_cart[sess] & (pos == np.where(s_buy[sess], last - 1, last))] = 1
    kind[s_buy[sess] & (pos == last)] = 2
    gaps = rng.exponential(45.0, n).astype(np.int64)
    gaps[pos == 0] = 0
    offset = np.cumsum(gaps) - (np.cumsum(gaps) - gaps)[first][sess]
    t = s_start[sess] + offset.astype("timedelta64[s]")
    product = (rng.zipf(1.3, n) - 1) % n_products
    # cart and purchase are of the product viewed just before
    follow = kind > 0
    product[follow] = product[np.flatnonzero(follow) - 1]
    quantity = np.ones(n, dtype=np.int32)
    quantity[(kind == 2) & (rng.random(n) < 0.1)] = 2
    # a fifth of purchases carry the price actually paid (a discount); the rest none
    paid = np.where((kind == 2) & (rng.random(n) < 0.2), np.round(price[product] * 0.9, 2),
                    np.nan)

    # refunds: 3% of purchases, 1 to 10 days later, outside any session
    buys = np.flatnonzero(kind == 2)
    ref = buys[rng.random(buys.size) < 0.03]
    r_t = t[ref] + (rng.integers(1, 11, ref.size) * 86_400).astype("timedelta64[s]")

    all_t = np.concatenate([t, r_t])
    all_kind = np.concatenate([kind, np.full(ref.size, 3, dtype=np.int8)])
    all_user = np.concatenate([s_user[sess], s_user[sess[ref]]])
    all_sess = np.concatenate([s_id[sess], np.full(ref.size, None, dtype=object)])
    all_prod = np.concatenate([product, product[ref]])
    all_price = np.concatenate([paid, paid[ref]])
    all_qty = np.concatenate([quantity, quantity[ref]])
    keep = all_t < np.datetime64(start, "s") + np.timedelta64(days * 86_400, "s")
    order = np.flatnonzero(keep)[np.argsort(all_t[keep], kind="stable")]

    names = np.array(["view", "cart", "purchase", "refund"], dtype=object)
    raws = np.array([RAW[k] for k in names], dtype=object)
    for lo in range(0, order.size, CHUNK):
        idx = order[lo:lo + CHUNK]
        price_col = pa.array(all_price[idx], from_pandas=True).cast(pa.decimal128(18, 4))
        engine.append_arrow("events", pa.table({
            "event_id": pa.array(np.arange(lo, lo + idx.size, dtype=np.int64)),
            "user_id": pa.array(uid[all_user[idx]].astype(str)),
            "session_id": pa.array(all_sess[idx], pa.string()),
            "event_type": pa.array(names[all_kind[idx]], pa.string()),
            "raw_event": pa.array(raws[all_kind[idx]], pa.string()),
            "product_id": pa.array(pid[all_prod[idx]].astype(str)),
            "price": price_col,
            "quantity": pa.array(all_qty[idx]),
            "event_time": pa.array(all_t[idx].astype("datetime64[us]")),
            "load_id": pa.array(np.zeros(idx.size, dtype=np.int64)),
        }))
        if progress:
            progress(idx.size)
    first_t, last_t = all_t[order[0]], all_t[order[-1]]
    return SyntheticSummary(
        users=n_users, products=n_products, sessions=n_sessions, events=int(order.size),
        first_day=datetime.fromisoformat(str(first_t)).date(),
        last_day=datetime.fromisoformat(str(last_t)).date())


def _countries(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    if k <= 5:
        return np.array(COUNTRIES[:5])[rng.integers(0, 5, n)]
    k = min(k, len(COUNTRIES))
    weights = 1.0 / np.arange(1, k + 1)
    return np.array(COUNTRIES[:k])[rng.choice(k, n, p=weights / weights.sum())]
