"""Per-user behavioural features, computed by SQL on the engine.

Notes
-----
Definitions (``as_of`` is the latest event time in the database unless given):

- ``recency_days``: days from the user's last event to ``as_of``.
- ``tenure_days``: days from ``signup_date`` (else ``users.first_seen``, else the first
  event) to ``as_of``.
- ``frequency``: purchase occasions — distinct sessions with a purchase (distinct days
  where the source has no sessions).
- ``monetary``: revenue, ``sum(price * quantity)`` of purchases minus refunds, with the
  product's list price where the event has none.
- ``cart_rate`` = carts / views; ``purchase_rate`` = purchase occasions / sessions;
  ``conversion`` = purchased items / views (0 where the denominator is 0).
- ``price_index``: mean over the user's events of price / the mean price of the event's
  (full) category over all events, e.g. ``electronics.smartphone``; below 1 means cheaper than usual
  for what they browse.
- ``price_pct``: mean percentile rank of the viewed products' list prices within their
  category (0 cheapest, 1 dearest); ``share_cheap`` / ``share_premium``: share of events on
  products in the cheapest / dearest third of their category (the price band).

Shares and per-event means (affinity, price band, time of day) are shrunk towards the
event-weighted mean of all users, ``(n * x + m * x_all) / (n + m)`` with ``n`` the user's
events and ``m = prior_events`` (2 by default): a user seen three times has a noisy share, and
without shrinkage three electronics views would look like a tech enthusiast's 100 %.
(Empirical-Bayes smoothing; the raw values are kept in ``raw_<column>``.)
- ``share_night|morning|afternoon|evening``: share of events at 0-6, 6-12, 12-18, 18-24 h
  UTC; ``share_weekend``: share on Saturday or Sunday.
- ``aff_<category>``: share of the user's events in that top-level category (the
  ``max_categories`` most frequent; ``aff_other`` for the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from shoplens.engines.base import Engine
from shoplens.engines.sql import load_sql

#: feature columns by group (category affinity columns are added per data set)
GROUPS: dict[str, list[str]] = {
    "activity": ["log_n_events", "log_n_sessions", "log_active_days", "log_frequency", "log_monetary"],
    "conversion": ["cart_rate", "purchase_rate", "conversion", "events_per_session"],
    "lifecycle": ["log_recency_days", "log_tenure_days"],
    "price": ["log_avg_price", "price_index", "price_pct", "share_cheap", "share_premium"],
    "time": ["share_night", "share_morning", "share_afternoon", "share_evening", "share_weekend"],
}
#: the groups of a shop without clickstream (orders only: every event is a purchase or a
#: refund mirrored from an order line): purchase behaviour, no browsing or conversion
ORDER_GROUPS: dict[str, list[str]] = {
    "activity": ["log_frequency", "log_monetary", "log_active_days"],
    "lifecycle": GROUPS["lifecycle"],
    "price": GROUPS["price"],
    "time": GROUPS["time"],
}


@dataclass
class UserFeatures:
    """``frame``: one row per user (index ``user_id``) with raw and model features."""

    frame: pd.DataFrame
    groups: dict[str, list[str]]
    as_of: datetime
    #: "events" (a clickstream), or "purchases" for a shop with orders only
    basis: str = "events"

    @property
    def user_ids(self) -> pd.Index:
        return self.frame.index

    def model_columns(self) -> list[str]:
        return [c for cols in self.groups.values() for c in cols]


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype("float64")
    den = den.astype("float64")
    return (num / den.where(den > 0)).fillna(0.0)


def has_clickstream(engine: Engine) -> bool:
    """Whether any event is more than a purchase or refund (an orders-only shop has none:
    its events mirror its order lines)."""
    return bool(engine.fetch_all(
        "SELECT 1 FROM events WHERE event_type IS NULL OR event_type NOT IN ('purchase', 'refund') "
        "LIMIT 1"))


def compute_features(
    engine: Engine, *, as_of: datetime | None = None, max_categories: int = 12, prior_events: float = 2.0
) -> UserFeatures:
    """Behavioural features of every user with at least one event (see module notes).

    A shop whose events are all purchases and refunds (orders only) is described by its
    purchase behaviour (:data:`ORDER_GROUPS`): browsing and conversion features would be
    constants there, and event counts would only repeat the order lines."""
    base = engine.fetch_df(load_sql("shoplens.segments", "features.sql"))
    if base.empty:
        return UserFeatures(
            pd.DataFrame(index=pd.Index([], name="user_id", dtype="string")),
            {**GROUPS, "interest": []},
            as_of or datetime(1970, 1, 1),
        )
    base["user_id"] = base["user_id"].astype("string")
    base = base.set_index("user_id").sort_index()
    users = engine.fetch_df(load_sql("shoplens.segments", "users.sql"))
    users["user_id"] = users["user_id"].astype("string")
    users = users.drop_duplicates("user_id").set_index("user_id")
    df = base.join(users, how="left")

    for col in ("first_event", "last_event", "first_seen"):
        df[col] = pd.to_datetime(df[col])
    df["signup_date"] = pd.to_datetime(df["signup_date"])
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else df["last_event"].max()
    day = pd.Timedelta(days=1)
    start = df["signup_date"].fillna(df["first_seen"]).fillna(df["first_event"])
    start = start.where(
        start <= df["first_event"], df["first_event"]
    )  # signup after first event: trust events
    df["recency_days"] = ((as_of_ts - df["last_event"]) / day).clip(lower=0)
    df["tenure_days"] = ((as_of_ts - start) / day).clip(lower=0)

    for col in (
        "n_events",
        "n_sessions",
        "active_days",
        "views",
        "carts",
        "removes",
        "purchased_items",
        "frequency",
    ):
        df[col] = df[col].astype("int64")
    df["monetary"] = df["monetary"].astype("float64").fillna(0.0)
    sessions = df["n_sessions"].where(df["n_sessions"] > 0, df["active_days"])  # no session ids: days
    df["sessions_or_days"] = sessions
    df["cart_rate"] = _ratio(df["carts"], df["views"]).clip(upper=1.0)
    df["purchase_rate"] = _ratio(df["frequency"], sessions).clip(upper=1.0)
    df["conversion"] = _ratio(df["purchased_items"], df["views"]).clip(upper=1.0)
    df["events_per_session"] = _ratio(df["n_events"], sessions)
    df["avg_price"] = df["avg_price"].astype("float64")
    df["price_index"] = df["price_index"].astype("float64").fillna(1.0)
    df["price_pct"] = df["price_pct"].astype("float64").fillna(0.5)
    df["share_cheap"] = df["share_cheap"].astype("float64").fillna(1 / 3)
    df["share_premium"] = df["share_premium"].astype("float64").fillna(1 / 3)

    for col in ("n_events", "n_sessions", "active_days", "frequency", "recency_days", "tenure_days"):
        df[f"log_{col}"] = np.log1p(df[col].astype("float64"))
    df["log_monetary"] = np.log1p(df["monetary"].clip(lower=0))
    df["log_avg_price"] = np.log1p(df["avg_price"].fillna(df["avg_price"].median()).fillna(0.0).clip(lower=0))
    df["events_per_session"] = np.log1p(df["events_per_session"])
    for col in GROUPS["time"]:
        df[col] = df[col].astype("float64")

    aff = category_affinity(engine, df.index, max_categories)
    df = df.join(aff, how="left")
    df[list(aff.columns)] = df[list(aff.columns)].fillna(0.0)
    basis = "events" if has_clickstream(engine) else "purchases"
    groups = {**(GROUPS if basis == "events" else ORDER_GROUPS), "interest": list(aff.columns)}
    shrink = [*aff.columns, *GROUPS["time"], "price_pct", "share_cheap", "share_premium", "price_index"]
    _shrink(df, shrink, df["n_events"].astype("float64"), prior_events)
    return UserFeatures(df, groups, as_of_ts.to_pydatetime(), basis)


def _shrink(df: pd.DataFrame, cols: list[str], n: pd.Series, m: float) -> None:
    if m <= 0 or n.sum() <= 0:
        return
    for col in cols:
        x = df[col].astype("float64")
        overall = float((x * n).sum() / n.sum())
        df[f"raw_{col}"] = x
        df[col] = (n * x + m * overall) / (n + m)


def category_affinity(engine: Engine, users: pd.Index, max_categories: int) -> pd.DataFrame:
    """Share of each user's events per top-level category (``aff_<name>`` columns)."""
    long = engine.fetch_df(load_sql("shoplens.segments", "categories.sql"))
    if long.empty:
        return pd.DataFrame(index=users)
    long["user_id"] = long["user_id"].astype("string")
    long["n"] = long["n"].astype("int64")
    totals = long.groupby("top_category")["n"].sum().sort_values(ascending=False, kind="stable")
    keep = [c for c in totals.index if c != "unknown"][:max_categories]
    long["col"] = long["top_category"].where(long["top_category"].isin(keep), "other")
    wide = long.pivot_table(index="user_id", columns="col", values="n", aggfunc="sum", fill_value=0)
    wide = wide.div(wide.sum(axis=1), axis=0)
    wide.columns = [f"aff_{_slug(c)}" for c in wide.columns]
    cols = [f"aff_{_slug(c)}" for c in keep] + (["aff_other"] if "aff_other" in wide.columns else [])
    return wide.reindex(index=users, columns=cols).astype("float64")


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in str(text).lower()).strip("_")
    return out or "unknown"
