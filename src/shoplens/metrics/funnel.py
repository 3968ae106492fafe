"""Funnel view → cart → purchase, per session and per user, with a conversion window."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from shoplens.engines import Engine
from shoplens.metrics.params import Form
from shoplens.metrics.registry import run


class FunnelStep(BaseModel):
    level: Literal["session", "user"]
    entered: int
    carted: int
    purchased: int
    view_to_cart: float | None
    cart_to_purchase: float | None
    view_to_purchase: float | None
    cart_abandonment: float | None


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 6) if den else None


def funnel(engine: Engine, values: Mapping[str, Any], form: Form) -> list[FunnelStep]:
    """The funnel per session and per user.

    Notes
    -----
    - Entry: the first ``view`` of the session (per session; events without a session are
      left out) or of the user over all the data (per user: the user's first observed
      view). A session or user is counted in the range when its entry falls on one of
      the range's days.
    - Cart: the first ``cart`` event at or after the entry; purchase: the first
      ``purchase`` at or after that cart. Each counts only if it happens within the
      conversion window after the entry (inclusive). Steps may fall after the range.
    - Rates: view→cart = carted/entered, cart→purchase = purchased/carted,
      view→purchase = purchased/entered; cart abandonment = (carted − purchased)/carted.
      ``None`` where the denominator is zero.
    """
    steps = []
    for level in ("session", "user"):
        ((entered, carted, purchased),) = run(engine, f"funnel_{level}", form, values)
        steps.append(FunnelStep(
            level=level, entered=entered, carted=carted, purchased=purchased,
            view_to_cart=_rate(carted, entered), cart_to_purchase=_rate(purchased, carted),
            view_to_purchase=_rate(purchased, entered),
            cart_abandonment=_rate(carted - purchased, carted)))
    return steps
