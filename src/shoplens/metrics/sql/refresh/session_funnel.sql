-- Recompute the funnel milestones of every session with an event in [:time_lo, :time_hi),
-- from all of that session's events (a later load can move its first view or cart).
DELETE FROM rollup_session_funnel
WHERE session_id IN (SELECT session_id FROM events
                     WHERE event_time >= :time_lo AND event_time < :time_hi AND session_id IS NOT NULL);
INSERT INTO rollup_session_funnel (session_id, user_id, entry_time, cart_time, purchase_time)
WITH touched AS (
    SELECT DISTINCT session_id FROM events
    WHERE event_time >= :time_lo AND event_time < :time_hi AND session_id IS NOT NULL
), ev AS (
    SELECT e.session_id, e.user_id, e.event_type, e.event_time
    FROM events AS e
    JOIN touched AS t ON t.session_id = e.session_id
    WHERE e.event_type IN ('view', 'cart', 'purchase')
), views AS (
    SELECT session_id, MIN(user_id) AS user_id, MIN(event_time) AS entry_time
    FROM ev WHERE event_type = 'view' GROUP BY session_id
), carts AS (
    SELECT v.session_id, MIN(ev.event_time) AS cart_time
    FROM views AS v
    JOIN ev ON ev.session_id = v.session_id AND ev.event_type = 'cart'
           AND ev.event_time >= v.entry_time
    GROUP BY v.session_id
), buys AS (
    SELECT c.session_id, MIN(ev.event_time) AS purchase_time
    FROM carts AS c
    JOIN ev ON ev.session_id = c.session_id AND ev.event_type = 'purchase'
           AND ev.event_time >= c.cart_time
    GROUP BY c.session_id
)
SELECT v.session_id, v.user_id, v.entry_time, c.cart_time, b.purchase_time
FROM views AS v
LEFT JOIN carts AS c ON c.session_id = v.session_id
LEFT JOIN buys AS b ON b.session_id = v.session_id
ORDER BY v.entry_time;
