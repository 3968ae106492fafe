"""Pieces the event formats share: canonical spellings and the events output columns."""

from __future__ import annotations

from collections.abc import Mapping

from shoplens.ingest.ids import row_id
from shoplens.ingest.validation import Check, quoted

#: known spellings (lower case) of the canonical event types across trackers; names not
#: listed keep event_type NULL for the event-analysis work to categorize
KNOWN_SPELLINGS: dict[str, str] = {
    **{s: "view" for s in ("view", "viewed", "product_view", "product_viewed", "view_item",
                           "item_view", "view_product", "productview")},
    **{s: "cart" for s in ("cart", "add_to_cart", "add-to-cart", "addtocart", "added_to_cart",
                           "product_added", "add_cart", "cart_add")},
    **{s: "remove_from_cart" for s in ("remove_from_cart", "remove-from-cart", "removefromcart",
                                       "product_removed", "removed_from_cart", "cart_remove")},
    **{s: "purchase" for s in ("purchase", "purchased", "order_completed", "transaction",
                               "checkout_completed", "order_placed")},
    **{s: "refund" for s in ("refund", "refunded", "order_refunded")},
}

NULL_TEXT = "CAST(NULL AS VARCHAR)"


def event_outputs(*, user: str, session: str, event_type: str, raw_event: str,
                  product: str, price: str, quantity: str, time: str,
                  properties: str = NULL_TEXT, category: str = NULL_TEXT,
                  category_id: str = NULL_TEXT, brand: str = NULL_TEXT,
                  name: str = NULL_TEXT, country: str = NULL_TEXT) -> dict[str, str]:
    """The events-kind output columns; the id hashes the normalized content."""
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
