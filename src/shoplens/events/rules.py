"""Rules: known spellings of the big trackers, then keyword rules.

Names are compared after :func:`normalize`, which splits snake_case, camelCase,
kebab-case, spaces, dots and digits into lower-case tokens, so ``AddToCart``,
``add_to_cart``, ``add-to-cart``, ``Add To Cart`` and ``addtocart`` are one name.

Vocabularies covered (exact names, confidence 1.0): Google Analytics 4 recommended
e-commerce events, the Segment e-commerce spec (also used by RudderStack and mParticle
exports), Amplitude's e-commerce templates, Snowplow (page views and the e-commerce
plugin's action types), Shopify web pixels' standard events, REES46 and the legacy
platform (``viewed``, ``add-to-cart``, ``remove-from-cart``, ``purchased``).
Names outside these go through keyword rules (confidence 0.9, or 0.75 when keywords of
two stages meet and the precedence below decides); what no keyword explains is left to
the embedding layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shoplens.events.stages import ACTION_STAGE

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")

#: abbreviations trackers use, expanded before keyword and embedding matching
ABBREVIATIONS: dict[str, str] = {
    "pdp": "product detail page", "plp": "product listing page", "clp": "category listing page",
    "srp": "search results page", "atc": "add to cart", "atb": "add to basket",
    "rfc": "remove from cart", "wl": "wishlist", "qty": "quantity", "txn": "transaction",
    "trx": "transaction", "trns": "transaction", "fav": "favorite", "fave": "favorite",
    "favs": "favorites", "pv": "page view", "cta": "call to action", "promo": "promotion",
    "ecom": "ecommerce", "ecomm": "ecommerce", "prod": "product", "prd": "product",
    "addtocart": "add to cart", "addtobasket": "add to basket", "pageview": "page view",
    "productview": "product view", "wishlist": "wishlist", "checkout": "checkout",
}


def tokens(raw: str) -> list[str]:
    """Lower-case word tokens of an event name, whatever its casing convention."""
    out: list[str] = []
    for chunk in _SPLIT.split(raw):
        out.extend(t.lower() for t in _CAMEL.findall(chunk))
    return out


def normalize(raw: str) -> str:
    """Compact key: tokens joined without separators (``AddToCart`` -> ``addtocart``)."""
    return "".join(tokens(raw))


def words(raw: str) -> list[str]:
    """Tokens with abbreviations expanded, for keyword rules and embeddings."""
    out: list[str] = []
    for t in tokens(raw):
        out.extend(ABBREVIATIONS.get(t, t).split())
    return out


def phrase(raw: str) -> str:
    """A readable phrase for the embedding model (``PLP_impression`` ->
    ``product listing page impression``)."""
    return " ".join(w for w in words(raw) if not w.isdigit()) or raw.lower()


def _vocab(action: str, *names: str) -> dict[str, str]:
    return {normalize(n): action for n in names}


#: exact known spellings -> action
KNOWN: dict[str, str] = {
    # REES46 and the legacy platform
    **_vocab("view", "view", "viewed"),
    **_vocab("cart", "cart", "add-to-cart"),
    **_vocab("remove", "remove_from_cart", "remove-from-cart"),
    **_vocab("purchase", "purchase", "purchased"),
    # Google Analytics 4
    **_vocab("page", "page_view", "screen_view", "first_visit", "session_start",
             "user_engagement", "scroll"),
    **_vocab("view", "view_item", "select_item", "select_promotion"),
    **_vocab("list", "view_item_list", "view_promotion"),
    **_vocab("search", "search", "view_search_results"),
    **_vocab("cart", "add_to_cart"),
    **_vocab("wishlist", "add_to_wishlist"),
    **_vocab("cart_view", "view_cart"),
    **_vocab("checkout", "begin_checkout", "add_shipping_info"),
    **_vocab("payment", "add_payment_info"),
    **_vocab("refund", "refund"),
    **_vocab("account", "login", "sign_up"),
    # Segment e-commerce spec (Title Case names)
    **_vocab("search", "Products Searched"),
    **_vocab("list", "Product List Viewed", "Product List Filtered", "Promotion Viewed"),
    **_vocab("view", "Product Viewed", "Product Clicked", "Promotion Clicked"),
    **_vocab("cart", "Product Added", "Wishlist Product Added to Cart"),
    **_vocab("remove", "Product Removed", "Product Removed from Wishlist"),
    **_vocab("wishlist", "Product Added to Wishlist"),
    **_vocab("cart_view", "Cart Viewed"),
    **_vocab("checkout", "Checkout Started", "Checkout Step Viewed", "Checkout Step Completed"),
    **_vocab("payment", "Payment Info Entered"),
    **_vocab("coupon", "Coupon Entered", "Coupon Applied", "Coupon Denied", "Coupon Removed"),
    **_vocab("purchase", "Order Completed"),
    **_vocab("refund", "Order Refunded", "Order Cancelled"),
    **_vocab("other", "Order Updated", "Product Shared", "Cart Shared", "Product Reviewed"),
    # Amplitude e-commerce templates and common product-analytics spellings
    **_vocab("view", "Viewed Product", "View Product", "Product Page Viewed", "product_view",
             "view_product"),
    **_vocab("cart", "Added to Cart", "Add to Cart", "Add Item to Cart", "addtocart"),
    **_vocab("remove", "Removed from Cart", "Remove from Cart", "Remove Item from Cart"),
    **_vocab("checkout", "Started Checkout", "Start Checkout", "Initiate Checkout",
             "InitiateCheckout"),
    **_vocab("purchase", "Completed Purchase", "Complete Purchase", "Purchase Completed",
             "Order Placed", "Placed Order"),
    **_vocab("search", "Searched", "Search Performed"),
    # Snowplow (page views, e-commerce plugin action types, legacy ecommerce events)
    **_vocab("page", "page_ping"),
    **_vocab("view", "product_view", "list_click", "promo_click"),
    **_vocab("list", "list_view", "promo_view"),
    **_vocab("checkout", "checkout_step"),
    **_vocab("purchase", "transaction", "transaction_item"),
    **_vocab("other", "trns_error"),
    # Shopify web pixels standard events
    **_vocab("page", "page_viewed"),
    **_vocab("view", "product_viewed"),
    **_vocab("list", "collection_viewed"),
    **_vocab("search", "search_submitted"),
    **_vocab("cart", "product_added_to_cart"),
    **_vocab("remove", "product_removed_from_cart"),
    **_vocab("cart_view", "cart_viewed"),
    **_vocab("checkout", "checkout_started", "checkout_address_info_submitted",
             "checkout_contact_info_submitted", "checkout_shipping_info_submitted"),
    **_vocab("payment", "payment_info_submitted"),
    **_vocab("purchase", "checkout_completed"),
    # Meta pixel standard events (often forwarded to warehouses unchanged)
    **_vocab("view", "ViewContent"),
    **_vocab("cart", "AddToCart"),
    **_vocab("wishlist", "AddToWishlist"),
    **_vocab("payment", "AddPaymentInfo"),
    **_vocab("purchase", "Purchase"),
    **_vocab("search", "Search"),
}

# Keyword rules, in precedence order: the first that matches wins. A name that also has
# keywords of a later rule of another stage is resolved by this order, with lower
# confidence (e.g. "checkout completed" is a purchase, "remove coupon" a removal).
_KEYWORDS: list[tuple[str, frozenset[str], frozenset[str] | None]] = [
    # (action, any of these words, and (if given) also one of these)
    ("refund", frozenset({"refund", "refunded", "return", "returned", "chargeback",
                          "cancel", "cancelled", "canceled", "cancellation", "rma"}), None),
    ("remove", frozenset({"remove", "removed", "removal", "delete", "deleted", "clear",
                          "cleared", "discard", "discarded", "drop", "dropped"}),
     frozenset({"cart", "basket", "bag", "trolley", "item", "product", "wishlist",
                "favorite", "favorites", "favourite", "line"})),
    ("purchase", frozenset({"purchase", "purchased", "purchasing", "bought", "buy", "paid",
                            "conversion", "converted", "transaction", "sale", "sold",
                            "thankyou", "receipt"}), None),
    ("purchase", frozenset({"order", "checkout", "payment", "pay"}),
     frozenset({"complete", "completed", "completion", "placed", "place", "confirmed",
                "confirmation", "success", "successful", "succeeded", "done", "finished",
                "captured", "thank", "thankyou", "receipt"})),
    ("coupon", frozenset({"coupon", "voucher", "discount", "giftcard", "code"}), None),
    ("payment", frozenset({"payment", "pay", "billing", "card", "paypal", "klarna"}), None),
    ("checkout", frozenset({"checkout", "shipping", "delivery", "address", "shipment",
                            "fulfillment", "fulfilment"}), None),
    ("wishlist", frozenset({"wishlist", "wish", "favorite", "favorites", "favourite",
                            "favourites", "save", "saved", "bookmark", "bookmarked", "like",
                            "liked", "heart"}), None),
    ("cart_view", frozenset({"cart", "basket", "bag", "trolley"}),
     frozenset({"view", "viewed", "open", "opened", "show", "shown", "page", "visit"})),
    ("cart", frozenset({"cart", "basket", "bag", "trolley"}), None),
    ("search", frozenset({"search", "searched", "searching", "query", "find", "lookup"}), None),
    ("list", frozenset({"list", "listing", "listed", "category", "collection", "catalog",
                        "catalogue", "impression", "impressions", "grid", "results",
                        "department", "browse", "plp"}), None),
    ("view", frozenset({"view", "viewed", "detail", "details", "product", "item", "click",
                        "clicked", "select", "selected", "open", "opened", "zoom", "gallery"}),
     None),
    ("page", frozenset({"page", "screen", "home", "homepage", "landing", "visit"}), None),
    ("account", frozenset({"login", "logout", "signup", "register", "registered",
                           "registration", "account", "signin", "sign"}), None),
]


_GENERIC = frozenset({"view", "page", "list", "account"})


@dataclass(frozen=True)
class RuleMatch:
    action: str
    confidence: float
    rule: str  # "known" or "keyword"

    @property
    def stage(self) -> str:
        return ACTION_STAGE[self.action]


def match_known(raw: str) -> RuleMatch | None:
    action = KNOWN.get(normalize(raw))
    return RuleMatch(action, 1.0, "known") if action else None


def match_keywords(raw: str) -> RuleMatch | None:
    ws = set(words(raw))
    hits = [action for action, anyof, alsoof in _KEYWORDS
            if ws & anyof and (alsoof is None or ws & alsoof)]
    if not hits:
        return None
    # Generic browse words ("item", "open", "page") beside a more specific keyword are
    # context, not a conflict: "basket item removed" is a removal, plainly.
    stages = {ACTION_STAGE[a] for a in hits if a == hits[0] or a not in _GENERIC}
    return RuleMatch(hits[0], 0.9 if len(stages) == 1 else 0.75, "keyword")


def match(raw: str) -> RuleMatch | None:
    """The rule-based action for ``raw``, or ``None`` when no rule explains it."""
    return match_known(raw) or match_keywords(raw)
