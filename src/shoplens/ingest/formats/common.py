"""Pieces the event formats share: canonical spellings and the events output columns."""

from __future__ import annotations

import re
from collections.abc import Mapping

from shoplens.ingest.ids import row_id
from shoplens.ingest.validation import Check, lit, quoted


def compact_name(name: str) -> str:
    """An event name's comparison key: its ASCII letters and digits, lower-cased.

    ``Product Viewed`` (Segment), ``product_viewed`` (Shopify), ``productViewed`` and
    ``PRODUCT-VIEWED`` are one name. This is the key the event taxonomy compares names by
    (:func:`shoplens.events.rules.normalize`); :func:`compact_sql` is the same in SQL.
    """
    return re.sub(r"[^A-Za-z0-9]+", "", name).lower()


def compact_sql(expr: str) -> str:
    """:func:`compact_name` of a text expression, in SQL."""
    return f"lower(regexp_replace({expr}, '[^A-Za-z0-9]+', '', 'g'))"


#: spellings of the canonical event types across trackers; other names keep event_type
#: NULL for the event-analysis work to categorize. Only product-level actions whose
#: meaning is unambiguous are listed (a wishlist removal or a promotion click is neither
#: a cart removal nor a product view). Compared by :func:`compact_name`.
EVENT_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    # REES46, the legacy platform, RetailRocket (view/addtocart/transaction), GA4, the
    # Segment spec, Amplitude's templates, Shopify web pixels, the Meta pixel, and the
    # plain snake_case names of in-house trackers
    "view": ("view", "viewed", "product_view", "Product Viewed", "view_item", "item_view",
             "view_product", "Viewed Product", "Product Page Viewed", "ViewContent"),
    "cart": ("cart", "add-to-cart", "add_to_cart", "Added to Cart", "Product Added",
             "add_cart", "cart_add", "Add Item to Cart", "product_added_to_cart", "AddToCart"),
    "remove_from_cart": ("remove_from_cart", "remove-from-cart", "Removed from Cart",
                         "Product Removed", "cart_remove", "Remove Item from Cart",
                         "product_removed_from_cart"),
    "purchase": ("purchase", "purchased", "Order Completed", "transaction",
                 "checkout_completed", "Order Placed", "Placed Order", "Completed Purchase",
                 "Complete Purchase", "Purchase Completed"),
    "refund": ("refund", "refunded", "Order Refunded"),
}

#: :data:`EVENT_TYPE_SPELLINGS` by :func:`compact_name`
KNOWN_SPELLINGS: dict[str, str] = {
    compact_name(name): event_type
    for event_type, names in EVENT_TYPE_SPELLINGS.items() for name in names
}


def known_event_type(expr: str) -> str:
    """SQL: the canonical event type of a tracker's event name, NULL when not known.

    Google Analytics 4 (``add_to_cart``), the Segment spec (``Product Added``), Amplitude
    (``Add Item to Cart``), Shopify pixels (``product_added_to_cart``), Meta
    (``AddToCart``) and RetailRocket (``addtocart``) all land on ``cart``.
    """
    exact = {name: t for t, names in EVENT_TYPE_SPELLINGS.items() for name in names}
    as_written = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in exact.items())
    compact = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in KNOWN_SPELLINGS.items())
    # the name as written first (an export sticks to one spelling: no new string is
    # built for it), then its compact key
    return f"CASE {expr} {as_written} ELSE CASE {compact_sql(expr)} {compact} END END"


NULL_TEXT = "CAST(NULL AS VARCHAR)"


def event_outputs(*, user: str, session: str, event_type: str, raw_event: str,
                  product: str, price: str, quantity: str, time: str,
                  properties: str = NULL_TEXT, category: str = NULL_TEXT,
                  category_id: str = NULL_TEXT, brand: str = NULL_TEXT,
                  name: str = NULL_TEXT, country: str = NULL_TEXT,
                  order_id: str = NULL_TEXT) -> dict[str, str]:
    """The events-kind output columns; the id hashes the normalized content.

    ``order_id`` is the shop's own id of a purchase's order where the tracker records it
    (GA4 ``ecommerce.transaction_id``): not part of the event's id, it names the order
    the purchase belongs to (:mod:`shoplens.ingest.transactions`)."""
    return {
        "event_id": row_id("event", user, session, raw_event, product, price, quantity, time,
                           properties),
        "user_id": user,
        "session_id": session,
        "event_type": event_type,
        "raw_event": raw_event,
        "product_id": product,
        "price": price,
        "quantity": quantity,
        "event_time": time,
        "properties": properties,
        "p_category": category,
        "p_category_id": category_id,
        "p_brand": brand,
        "p_name": name,
        "u_country": country,
        "o_order_id": order_id,
    }


def required_value(value: str, source_col: str | None, what: str) -> Check:
    return Check(f"{value} IS NULL", source_col, f"'missing {what}'")


def parsed_value(raw: str, value: str, source_col: str | None, what: str) -> list[Check]:
    """Missing, then present-but-unparsable."""
    return [
        Check(f"{raw} IS NULL", source_col, f"'missing {what}'"),
        Check(f"{value} IS NULL", source_col, f"'unparsable {what} ' || {quoted(raw)}"),
    ]


def optional_parsed(raw: str, value: str, source_col: str | None, what: str) -> Check:
    return Check(f"{raw} IS NOT NULL AND {value} IS NULL", source_col,
                 f"'unparsable {what} ' || {quoted(raw)}")


def col(resolved: Mapping[str, str | None], f: str) -> str | None:
    return resolved.get(f)
