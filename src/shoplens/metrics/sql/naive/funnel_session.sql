-- Funnel view -> cart -> purchase per session, naive: self-joins over the raw events.
-- Entry: the session's first view; cart: its first cart at or after the entry; purchase:
-- its first purchase at or after that cart; both count within the conversion window.
WITH views AS (
    SELECT session_id, MIN(event_time) AS entry_time
    FROM events
    WHERE event_type = 'view'
      AND session_id IS NOT NULL
    GROUP BY session_id
), carts AS (
    SELECT v.session_id, MIN(e.event_time) AS cart_time
    FROM views AS v
    JOIN events AS e
      ON e.session_id = v.session_id AND e.event_type = 'cart' AND e.event_time >= v.entry_time
    GROUP BY v.session_id
), buys AS (
    SELECT c.session_id, MIN(e.event_time) AS purchase_time
    FROM carts AS c
    JOIN events AS e
      ON e.session_id = c.session_id AND e.event_type = 'purchase' AND e.event_time >= c.cart_time
    GROUP BY c.session_id
)
SELECT COUNT(*) AS entered,
       COUNT(CASE WHEN c.cart_time <= v.entry_time + :window_s * INTERVAL '1 second' THEN 1 END)
           AS carted,
       COUNT(CASE WHEN b.purchase_time <= v.entry_time + :window_s * INTERVAL '1 second' THEN 1 END)
           AS purchased
FROM views AS v
LEFT JOIN carts AS c ON c.session_id = v.session_id
LEFT JOIN buys AS b ON b.session_id = v.session_id
WHERE v.entry_time >= :day_lo AND v.entry_time < :day_hi
