"""The ShopLens data model: portable DDL in ``tables.sql`` (PostgreSQL dialect,
transpiled for each engine by SQLGlot).

Conventions every importer and analysis keeps:

- Times are ``TIMESTAMP`` without time zone, in UTC.
- Identifiers (``user_id``, ``product_id``, ``session_id``) are text: trackers use
  UUIDs and stock codes such as ``85123A`` as often as numbers.
- Money is ``NUMERIC(18,4)`` so that sums are exact and every query form that computes
  the same total returns the same digits.
- ``events.event_type`` is the canonical type (``view``, ``cart``, ``remove_from_cart``,
  ``purchase``, ``refund``) or NULL where only event analysis can tell;
  ``events.raw_event`` keeps the name the source used.
- ``events.quantity`` is 1 for clickstream events; order lines carry their quantity.
  Revenue is ``sum(price * quantity)`` of purchases minus that of refunds.
"""

from __future__ import annotations

EVENT_TYPES = ("view", "cart", "remove_from_cart", "purchase", "refund")
