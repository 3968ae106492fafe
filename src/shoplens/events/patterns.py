"""Behaviour patterns, computed in SQL on the engine.

Each pattern is one query in :mod:`shoplens.events.sql` over the staged events (events
joined with their taxonomy stage and action, and with sessions formed as in
:func:`shoplens.events.funnel.funnel`). Ordering inside a session is by time, then by
stage (browse before consideration ... before conversion at the same second), then by
event id.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shoplens.engines import Engine
from shoplens.events.funnel import SessionParams
from shoplens.events.queries import Staged, staged_events

BEHAVIOURS: dict[str, str] = {
    "hesitant_checkout": "users with at least {hesitant_sessions} sessions that reached the "
                         "cart or checkout and ended without a purchase",
    "price_sensitive_browsing": "users who, in one session, viewed at least "
                                "{compare_products} distinct products of one category whose "
                                "prices differ by a factor of {price_spread} or more",
    "quick_deciders": "users with a session that converted within {quick_seconds} s of its "
                      "first event after at most {quick_max_views} browse events",
    "wishlist_collectors": "users with at least {wishlist_min} wishlist adds and no purchase",
}


class PatternParams(SessionParams):
    """Thresholds of the pattern queries (all bound as parameters)."""

    n_steps: int = Field(3, ge=1, le=10, description="length of the session paths")
    top_paths: int = Field(10, ge=1, description="how many paths to list")
    recovery_days: int = Field(7, ge=0, description="window for a cart to be recovered")
    hesitant_sessions: int = Field(2, ge=1)
    compare_products: int = Field(3, ge=2)
    price_spread: float = Field(1.2, ge=1.0)
    quick_seconds: int = Field(600, ge=1)
    quick_max_views: int = Field(3, ge=0)
    wishlist_min: int = Field(3, ge=1)


def session_paths(engine: Engine, params: PatternParams, src: Staged | None = None) -> list[dict[str, Any]]:
    """Most frequent first ``n_steps`` stage steps of sessions (repeats collapsed;
    ``(exit)`` marks a session that ended sooner)."""
    rows = (src or Staged(params.bind())).fetch_all(engine, "paths", {
        "n_steps": params.n_steps, "top": params.top_paths})
    return [{"path": str(p), "sessions": int(n)} for p, n in rows]


def transition_matrix(engine: Engine, params: PatternParams,
                      src: Staged | None = None) -> list[dict[str, Any]]:
    """Counts and row shares of next-event stage given this event's stage in a session
    (``(exit)``: the session's last event)."""
    rows = (src or Staged(params.bind())).fetch_all(engine, "transitions")
    return [{"from": str(f), "to": str(t), "count": int(n), "share": round(float(s), 4)}
            for f, t, n, s in rows]


def dropoffs(engine: Engine, params: PatternParams, src: Staged | None = None) -> dict[str, Any]:
    """Where sessions end: sessions by the deepest funnel stage they reached, and for
    those that did not convert, the stage at which they dropped off."""
    rows = (src or Staged(params.bind())).fetch_all(engine, "dropoffs")
    total = sum(int(n) for _, _, n in rows)
    by_stage: dict[str, int] = {}
    converted = 0
    for stage, conv, n in rows:
        if int(conv):
            converted += int(n)
        else:
            by_stage[str(stage)] = by_stage.get(str(stage), 0) + int(n)
    return {
        "sessions": total,
        "converted_sessions": converted,
        "dropped_after": [
            {"stage": s, "sessions": n, "share_of_sessions": round(n / total, 4) if total else None}
            for s, n in sorted(by_stage.items(), key=lambda kv: -kv[1])
        ],
    }


def step_times(engine: Engine, params: PatternParams, src: Staged | None = None) -> list[dict[str, Any]]:
    """Seconds from the first event of one stage to the first of a later stage in the
    same session (sessions where the later one came at or after the earlier one)."""
    rows = (src or Staged(params.bind())).fetch_all(engine, "step_times")
    return [{"from": str(f), "to": str(t), "sessions": int(n),
             "median_seconds": _r(med), "p90_seconds": _r(p90), "mean_seconds": _r(mean)}
            for f, t, n, med, p90, mean in rows]


def repeat_purchases(engine: Engine, params: PatternParams, src: Staged | None = None) -> dict[str, Any]:
    """Days between a buyer's consecutive purchase sessions."""
    row = (src or Staged(params.bind())).fetch_all(engine, "repeat_purchase")[0]
    buyers, sessions, repeaters, intervals, p25, med, p75, mean = row
    buyers = int(buyers or 0)
    return {
        "buyers": buyers, "purchase_sessions": int(sessions or 0),
        "repeat_buyers": int(repeaters or 0),
        "repeat_rate": round(int(repeaters or 0) / buyers, 4) if buyers else None,
        "intervals": int(intervals or 0),
        "p25_days": _r(p25), "median_days": _r(med), "p75_days": _r(p75), "mean_days": _r(mean),
    }


def cart_abandonment(engine: Engine, params: PatternParams, src: Staged | None = None) -> dict[str, Any]:
    """Sessions with an add-to-cart and no conversion, and how many of them the same
    user recovered by converting later within ``recovery_days``."""
    row = (src or Staged(params.bind())).fetch_all(engine, "abandonment", {
        "recovery_seconds": params.recovery_days * 86400})[0]
    carts, converted, abandoned, recovered, hours = (row[0], row[1], row[2], row[3], row[4])
    carts, abandoned, recovered = int(carts or 0), int(abandoned or 0), int(recovered or 0)
    return {
        "cart_sessions": carts, "converted_cart_sessions": int(converted or 0),
        "abandoned_sessions": abandoned,
        "abandonment_rate": round(abandoned / carts, 4) if carts else None,
        "recovered_sessions": recovered,
        "recovery_rate": round(recovered / abandoned, 4) if abandoned else None,
        "recovery_window_days": params.recovery_days,
        "median_hours_to_recovery": _r(hours),
    }


def behaviours(engine: Engine, params: PatternParams, src: Staged | None = None) -> list[dict[str, Any]]:
    """Derived behaviours: user counts of each query-defined behaviour."""
    binds = {**params.bind(), **{k: getattr(params, k) for k in (
        "hesitant_sessions", "compare_products", "price_spread", "quick_seconds",
        "quick_max_views", "wishlist_min")}}
    row = (src or Staged(params.bind())).fetch_all(engine, "behaviours", binds)[0]
    total = int(row[0] or 0)
    out = []
    for name, n in zip(BEHAVIOURS, row[1:], strict=True):
        out.append({"name": name, "definition": BEHAVIOURS[name].format(**binds),
                     "users": int(n or 0),
                     "share_of_users": round(int(n or 0) / total, 4) if total else None})
    return out


def patterns(engine: Engine, params: PatternParams | None = None,
             src: Staged | None = None) -> dict[str, Any]:
    """Every pattern in one document (categorizes unseen event names offline first).

    The staged events are materialised once for all the queries (see
    :func:`shoplens.events.queries.staged_events`) unless ``src`` is given.
    """
    from shoplens.events.taxonomy import ensure_categorized

    params = params or PatternParams()
    if src is None:
        ensure_categorized(engine)
        with staged_events(engine, params.bind()) as own:
            return patterns(engine, params, own)
    return {
        "session_paths": session_paths(engine, params, src),
        "transitions": transition_matrix(engine, params, src),
        "dropoffs": dropoffs(engine, params, src),
        "step_times": step_times(engine, params, src),
        "repeat_purchases": repeat_purchases(engine, params, src),
        "cart_abandonment": cart_abandonment(engine, params, src),
        "behaviours": behaviours(engine, params, src),
    }


def _r(v: Any, digits: int = 2) -> float | None:
    return None if v is None else round(float(v), digits)
