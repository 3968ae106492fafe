"""Funnel view → cart → purchase, per session and per user, with a conversion window.

Computed by the one funnel implementation, :mod:`shoplens.insights.funnels` (raw
events, both query forms alike); this module only keeps the metrics' summary shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from shoplens.engines import Engine
from shoplens.metrics.params import Form


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


def funnel_query(level: str, values: Mapping[str, Any]) -> Any:
    """The :class:`~shoplens.insights.schema.FunnelsQuery` of the metrics funnel."""
    from shoplens.insights.schema import FunnelsQuery

    def step(event_type: str) -> dict[str, Any]:
        return {"name": event_type, "filters": [
            {"property": "event.event_type", "operator": "eq", "value": event_type}]}

    return FunnelsQuery.model_validate({
        "steps": [step("view"), step("cart"), step("purchase")],
        "window": f"{values['window_s']}s",
        "count_by": "sessions" if level == "session" else "users",
        "date_range": {"date_from": values["roll_first"].isoformat(),
                       "date_to": values["roll_last"].isoformat()}})


def funnel(engine: Engine, values: Mapping[str, Any], form: Form) -> list[FunnelStep]:
    """The funnel per session and per user.

    Notes
    -----
    An ordered funnel over the canonical event types (:func:`shoplens.insights.funnels.
    runner.run_funnel` defines it exactly): an entry is a ``view`` on one of the range's
    days; the ``cart`` and the ``purchase`` each strictly after the previous step, all
    within the conversion window of the entry (they may fall after the range). A session
    or user counts once, at the furthest step any of its entries reaches. Sessions are
    the tracker's session ids, else runs of a user's events without a 30-minute gap.
    Rates: view→cart = carted/entered, cart→purchase = purchased/carted, view→purchase =
    purchased/entered; cart abandonment = (carted − purchased)/carted; ``None`` where
    the denominator is zero. ``form`` is accepted for the metrics' interface: both forms
    run the same funnel.
    """
    from shoplens.insights.funnels import run_funnel

    del form
    steps = []
    for level in ("session", "user"):
        result = run_funnel(engine, funnel_query(level, values))
        entered, carted, purchased = (s["count"] for s in result.payload["steps"])
        steps.append(FunnelStep(
            level=level, entered=entered, carted=carted, purchased=purchased,  # type: ignore[arg-type]
            view_to_cart=_rate(carted, entered), cart_to_purchase=_rate(purchased, carted),
            view_to_purchase=_rate(purchased, entered),
            cart_abandonment=_rate(carted - purchased, carted)))
    return steps
