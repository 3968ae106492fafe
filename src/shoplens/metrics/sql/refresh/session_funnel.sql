-- Recompute the funnel milestones of every session with an event in [:time_lo, :time_hi),
-- from all of that session's events (a later load can move its first view or cart).
DELETE FROM rollup_session_funnel
WHERE session_id IN (SELECT session_id FROM events
                     WHERE event_time >= :time_lo AND event_time < :time_hi AND session_id IS NOT NULL);
-- One pass, no self-join: window minima over each session's funnel events give the
-- entry (first view), then the first cart at or after it, then the first purchase at or
-- after that cart. (A self-join of CTEs, as in the naive query, has no statistics for
-- just-loaded rows, and PostgreSQL then picks a quadratic nested loop.)
INSERT INTO rollup_session_funnel (session_id, user_id, entry_time, cart_time, purchase_time)
WITH entered AS (
    SELECT e.session_id, e.user_id, e.event_type, e.event_time,
           MIN(CASE WHEN e.event_type = 'view' THEN e.event_time END)
               OVER (PARTITION BY e.session_id) AS entry_time
    FROM events AS e
    WHERE e.event_type IN ('view', 'cart', 'purchase')
      AND e.session_id IN (SELECT session_id FROM events
                           WHERE event_time >= :time_lo AND event_time < :time_hi AND session_id IS NOT NULL)
), carted AS (
    SELECT *,
           MIN(CASE WHEN event_type = 'cart' AND event_time >= entry_time THEN event_time END)
               OVER (PARTITION BY session_id) AS cart_time
    FROM entered
    WHERE entry_time IS NOT NULL
)
SELECT session_id, MIN(user_id) AS user_id, MIN(entry_time) AS entry_time, MIN(cart_time) AS cart_time,
       MIN(CASE WHEN event_type = 'purchase' AND event_time >= cart_time THEN event_time END) AS purchase_time
FROM carted
GROUP BY session_id
ORDER BY entry_time;
