-- Derive the funnel milestones of every user from all events (full rebuild).
DELETE FROM rollup_user_funnel;
-- One pass, no self-join: window minima over each user's funnel events give the
-- entry (first view), then the first cart at or after it, then the first purchase at or
-- after that cart. (A self-join of CTEs, as in the naive query, has no statistics for
-- just-loaded rows, and PostgreSQL then picks a quadratic nested loop.)
INSERT INTO rollup_user_funnel (user_id, entry_time, cart_time, purchase_time)
WITH entered AS (
    SELECT e.user_id, e.event_type, e.event_time,
           MIN(CASE WHEN e.event_type = 'view' THEN e.event_time END)
               OVER (PARTITION BY e.user_id) AS entry_time
    FROM events AS e
    WHERE e.event_type IN ('view', 'cart', 'purchase')
), carted AS (
    SELECT *,
           MIN(CASE WHEN event_type = 'cart' AND event_time >= entry_time THEN event_time END)
               OVER (PARTITION BY user_id) AS cart_time
    FROM entered
    WHERE entry_time IS NOT NULL
)
SELECT user_id, MIN(entry_time) AS entry_time, MIN(cart_time) AS cart_time,
       MIN(CASE WHEN event_type = 'purchase' AND event_time >= cart_time THEN event_time END) AS purchase_time
FROM carted
GROUP BY user_id
ORDER BY entry_time;
