-- Recompute the funnel milestones of every user with an event in [:time_lo, :time_hi),
-- from all of that user's events (a later load can move its first view or cart).
DELETE FROM rollup_user_funnel
WHERE user_id IN (SELECT user_id FROM events
                     WHERE event_time >= :time_lo AND event_time < :time_hi);
INSERT INTO rollup_user_funnel (user_id, entry_time, cart_time, purchase_time)
WITH touched AS (
    SELECT DISTINCT user_id FROM events
    WHERE event_time >= :time_lo AND event_time < :time_hi
), ev AS (
    SELECT e.user_id, e.event_type, e.event_time
    FROM events AS e
    JOIN touched AS t ON t.user_id = e.user_id
    WHERE e.event_type IN ('view', 'cart', 'purchase')
), views AS (
    SELECT user_id, MIN(event_time) AS entry_time
    FROM ev WHERE event_type = 'view' GROUP BY user_id
), carts AS (
    SELECT v.user_id, MIN(ev.event_time) AS cart_time
    FROM views AS v
    JOIN ev ON ev.user_id = v.user_id AND ev.event_type = 'cart'
           AND ev.event_time >= v.entry_time
    GROUP BY v.user_id
), buys AS (
    SELECT c.user_id, MIN(ev.event_time) AS purchase_time
    FROM carts AS c
    JOIN ev ON ev.user_id = c.user_id AND ev.event_type = 'purchase'
           AND ev.event_time >= c.cart_time
    GROUP BY c.user_id
)
SELECT v.user_id, v.entry_time, c.cart_time, b.purchase_time
FROM views AS v
LEFT JOIN carts AS c ON c.user_id = v.user_id
LEFT JOIN buys AS b ON b.user_id = v.user_id
ORDER BY v.entry_time;
