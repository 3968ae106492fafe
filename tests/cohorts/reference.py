"""An independent pandas computation of the retention matrix, written from the
definitions in ``compute_cohorts``'s Notes (per member and per period, no SQL), and a
loader for hand-made frames."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from shoplens.cohorts import CohortParams
from shoplens.engines import Engine

EPOCH = date(1900, 1, 1)  # a Monday


def load(engine: Engine, *, users: list[dict[str, Any]] | None = None,
         events: list[dict[str, Any]] | None = None,
         products: list[dict[str, Any]] | None = None) -> None:
    """Replace users/events/products with hand-made rows (strings for dates)."""
    with engine.transaction():
        for table in ("events", "users", "products"):
            engine.execute(f"DELETE FROM {table}")
        if users:
            df = pd.DataFrame(users)
            for col in ("signup_date",):
                if col in df:
                    df[col] = pd.to_datetime(df[col]).dt.date
            if "first_seen" in df:
                df["first_seen"] = pd.to_datetime(df["first_seen"])
            engine.append_df("users", df)
        if products:
            df = pd.DataFrame(products)
            df["price"] = [None if p is None else Decimal(str(p)) for p in df["price"]]
            engine.append_df("products", df)
        if events:
            df = pd.DataFrame(events)
            # ids differ from one load to the next, as the importer's row hashes do
            first = int(np.random.default_rng().integers(0, 2**40))
            df.insert(0, "event_id", np.arange(first, first + len(df), dtype="int64"))
            df["event_time"] = pd.to_datetime(df["event_time"])
            if "raw_event" not in df:
                df["raw_event"] = df["event_type"].fillna("other")
            if "price" in df:
                df["price"] = [None if p is None or p != p else Decimal(str(p))
                               for p in df["price"]]
            if "quantity" not in df:
                df["quantity"] = 1
            engine.append_df("events", df)


# -- the reference ------------------------------------------------------------------------
def idx(d: date, unit: str) -> int:
    if unit == "day":
        return (d - EPOCH).days
    if unit == "week":
        return (d - timedelta(days=d.weekday()) - EPOCH).days // 7
    return d.year * 12 + d.month


def period_bounds(i: int, unit: str) -> tuple[date, date]:
    """First and last day of offset-unit period number ``i``."""
    if unit == "day":
        d = EPOCH + timedelta(days=i)
        return d, d
    if unit == "week":
        d = EPOCH + timedelta(days=7 * i)
        return d, d + timedelta(days=6)
    y, m = divmod(i - 1, 12)
    start = date(y, m + 1, 1)
    nxt = date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


def trunc(d: date, period: str) -> date:
    if period == "day":
        return d
    if period == "week":
        return d - timedelta(days=d.weekday())
    return d.replace(day=1)


def expected(users: list[dict[str, Any]], events: list[dict[str, Any]],
             products: list[dict[str, Any]] | None, p: CohortParams,
             ) -> dict[date, tuple[int, list[float | None]]]:
    """{cohort start: (size, values)} straight from the definitions."""
    ev = pd.DataFrame(events)
    ev["day"] = pd.to_datetime(ev["event_time"]).dt.date
    ev["ts"] = pd.to_datetime(ev["event_time"])
    if "price" not in ev:
        ev["price"] = None
    if "quantity" not in ev:
        ev["quantity"] = 1
    list_price = {r["product_id"]: r["price"] for r in (products or [])}
    obs_start = p.observed_from or ev["day"].min()
    obs_end = p.observed_until or ev["day"].max()
    ev = ev[ev["day"] <= obs_end]
    is_refund = ev["event_type"] == "refund"
    is_purchase = ev["event_type"] == "purchase"
    first_act = ev[~is_refund].groupby("user_id")["day"].min().to_dict()
    first_buy = ev[is_purchase].groupby("user_id")["day"].min().to_dict()

    anchor: dict[str, date] = {}
    user_rows = {u["user_id"]: u for u in users}
    for uid in set(user_rows) | set(ev["user_id"]):
        if p.cohort_by == "signup":
            u = user_rows.get(uid, {})
            a = u.get("signup_date") or u.get("first_seen") or first_act.get(uid)
            a = pd.Timestamp(a).date() if a is not None else None
        elif p.cohort_by == "first_activity":
            a = first_act.get(uid)
        else:
            a = first_buy.get(uid)
        if a is not None and a <= obs_end:
            anchor[uid] = a

    active_kind = p.active_on
    # per user: set of active offsets, orders and revenue per offset
    act: dict[str, set[int]] = {u: set() for u in anchor}
    orders: dict[str, dict[int, set]] = {u: {} for u in anchor}
    revenue: dict[str, dict[int, Decimal]] = {u: {} for u in anchor}
    ou = p.offset_unit
    for r in ev.itertuples():
        a = anchor.get(r.user_id)
        if a is None or r.day < a or r.day < obs_start:
            continue
        off = idx(r.day, ou) - idx(a, ou)
        et = r.event_type if isinstance(r.event_type, str) else None
        if (active_kind == "any" and et != "refund") or et == "purchase":
            act[r.user_id].add(off)
        if et in ("purchase", "refund"):
            price = r.price if r.price is not None and r.price == r.price \
                else list_price.get(r.product_id)
            if price is not None:  # no price anywhere: SQL's SUM skips the NULL too
                amount = Decimal(str(price)) * int(r.quantity) * (-1 if et == "refund" else 1)
                revenue[r.user_id][off] = revenue[r.user_id].get(off, Decimal(0)) + amount
        if et == "purchase":
            orders[r.user_id].setdefault(off, set()).add(r.ts)

    def in_kind(off: int, n: int) -> bool:
        return {"classic": off == n, "rolling": off >= n, "cumulative": off <= n}[p.kind]

    def observable(members: list[str], n: int) -> bool:
        needed = {"classic": [n], "rolling": [n], "cumulative": list(range(n + 1))}[p.kind]
        if p.measure != "users" and p.kind != "cumulative":
            needed = [0, n]
        for u in members:
            a = anchor[u]
            for k in needed:
                start, end = period_bounds(idx(a, ou) + k, ou)
                if k == 0:
                    start = a
                if start < obs_start or end > obs_end:
                    return False
        return True

    cohorts: dict[date, list[str]] = {}
    for u, a in anchor.items():
        cohorts.setdefault(trunc(a, p.period), []).append(u)
    out: dict[date, tuple[int, list[float | None]]] = {}
    for c, members in sorted(cohorts.items()):
        size = len(members)
        values: list[float | None] = []
        for n in range(p.periods):
            if p.measure == "users":
                num = float(sum(1 for u in members if any(in_kind(o, n) for o in act[u])))
                den = float(size)
            else:
                per = orders if p.measure == "orders" else revenue
                def total(pred, per=per, members=members) -> float:
                    s = 0
                    for u in members:
                        for o, v in per[u].items():
                            if pred(o):
                                s += len(v) if p.measure == "orders" else v
                    return float(s)
                num = total(lambda o, n=n: in_kind(o, n))
                den = float(size) if p.kind == "cumulative" else total(lambda o: o == 0)
            ok = observable(members, n)
            values.append(num / den if ok and den != 0 else None)
        out[c] = (size, values)
    return out


def as_matrix(result: Any) -> dict[date, tuple[int, list[float | None]]]:
    return {r.cohort: (r.size, r.values) for r in result.rows}


def assert_same(got: dict, want: dict) -> None:
    assert list(got) == list(want), (list(got), list(want))
    for c in want:
        gs, gv = got[c]
        ws, wv = want[c]
        assert gs == ws, (c, gs, ws)
        assert len(gv) == len(wv)
        for n, (g, w) in enumerate(zip(gv, wv, strict=True)):
            if w is None:
                assert g is None, (c, n, g, w)
            else:
                assert g is not None and abs(g - w) < 1e-9, (c, n, g, w)
