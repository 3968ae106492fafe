"""The canonical journey stages and the finer actions inside them."""

from __future__ import annotations

from typing import Literal

Stage = Literal["browse", "consideration", "removal", "checkout", "conversion", "other"]
STAGES: tuple[str, ...] = ("browse", "consideration", "removal", "checkout", "conversion", "other")

#: the funnel's ordered steps (removal and other are not steps)
FUNNEL_STAGES: tuple[str, ...] = ("browse", "consideration", "checkout", "conversion")

#: action -> stage. Actions keep the distinctions patterns need (a cart add is not a
#: wishlist add, though both are consideration).
ACTION_STAGE: dict[str, str] = {
    "view": "browse",          # product detail
    "list": "browse",          # listing, category, collection, impression
    "search": "browse",
    "page": "browse",          # page or screen view
    "cart": "consideration",   # add to cart
    "wishlist": "consideration",
    "cart_view": "consideration",
    "remove": "removal",       # remove from cart or wishlist
    "checkout": "checkout",    # begin checkout, checkout steps, shipping, delivery
    "payment": "checkout",     # payment details entered
    "coupon": "checkout",
    "purchase": "conversion",
    "refund": "other",         # after the order: refunds, returns, cancellations
    "account": "other",        # login, sign-up
    "other": "other",
}
ACTIONS: tuple[str, ...] = tuple(ACTION_STAGE)

#: the action a stage falls back to when only the stage is known (user mapping, LLM)
STAGE_DEFAULT_ACTION: dict[str, str] = {
    "browse": "view", "consideration": "cart", "removal": "remove", "checkout": "checkout",
    "conversion": "purchase", "other": "other",
}

#: canonical events.event_type (set by importers) -> action
EVENT_TYPE_ACTION: dict[str, str] = {
    "view": "view", "cart": "cart", "remove_from_cart": "remove", "purchase": "purchase",
    "refund": "refund",
}
