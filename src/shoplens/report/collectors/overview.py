"""What the database holds: row counts, the time span, events per type.

``orders`` counts the orders the revenue metrics count: a customer's orders with a
purchase (a cancellation invoice is no order; a guest order has no purchase events). A
shop without an orders table gets its orders derived from purchase events at load time
(see :mod:`shoplens.ingest.derived`)."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext
from shoplens.report.model import Overview

_COUNTS = """
SELECT
  (SELECT count(*) FROM users) AS users,
  (SELECT count(*) FROM products) AS products,
  (SELECT count(*) FROM sessions) AS sessions,
  (SELECT count(DISTINCT session_id) FROM events WHERE session_id IS NOT NULL) AS event_sessions,
  (SELECT count(*) FROM events) AS events,
  (SELECT count(*) FROM orders AS o WHERE o.user_id IS NOT NULL AND (NOT o.is_refund OR EXISTS
     (SELECT 1 FROM order_items AS i WHERE i.order_id = o.order_id AND NOT i.is_refund))) AS orders,
  (SELECT count(*) FROM search_logs) AS searches,
  (SELECT count(*) FROM quarantine) AS quarantined,
  (SELECT count(*) FROM loads) AS loads,
  (SELECT min(event_time) FROM events) AS first_event,
  (SELECT max(event_time) FROM events) AS last_event
"""

_TYPES = """
SELECT coalesce(event_type, 'unknown') AS event_type, count(*) AS n
FROM events GROUP BY 1 ORDER BY 2 DESC
"""


def collect(ctx: ReportContext) -> Overview:
    row = ctx.engine.fetch_df(_COUNTS).iloc[0]
    types = ctx.engine.fetch_all(_TYPES)
    first, last = row["first_event"], row["last_event"]
    has_events = int(row["events"]) > 0
    # Sessions may be derived (sessions table) or only present as ids on events.
    sessions = max(int(row["sessions"]), int(row["event_sessions"]))
    section = Overview(
        users=int(row["users"]),
        products=int(row["products"]),
        sessions=sessions,
        events=int(row["events"]),
        orders=int(row["orders"]),
        searches=int(row["searches"]),
        quarantined=int(row["quarantined"]),
        loads=int(row["loads"]),
        first_event=first.to_pydatetime() if has_events else None,
        last_event=last.to_pydatetime() if has_events else None,
        days=(last.normalize() - first.normalize()).days + 1 if has_events else None,
        event_types={str(t): int(n) for t, n in types},
    )
    if not has_events:
        section.available = False
        section.reason = "no data: the events table is empty (load data with `shoplens load`)"
    return section
