-- Recompute the funnel milestones of the users whose milestones the events of
-- [:time_lo, :time_hi) can move, from all of their events. A user's row changes only if
-- one of those events is a view before the entry (or the first view at all), a cart
-- at/after the entry and before the known cart, or a purchase at/after the cart and
-- before the known purchase; any other event leaves every minimum as it is. (Most
-- active users of a new day are neither new nor converting: their histories, the bulk
-- of the table for heavy users, are not re-read.)
DELETE FROM rollup_user_funnel_changed;
INSERT INTO rollup_user_funnel_changed (user_id)
SELECT DISTINCT d.user_id
FROM events AS d
LEFT JOIN rollup_user_funnel AS f ON f.user_id = d.user_id
WHERE d.event_time >= :time_lo AND d.event_time < :time_hi
  AND ((d.event_type = 'view' AND (f.entry_time IS NULL OR d.event_time < f.entry_time))
    OR (d.event_type = 'cart' AND d.event_time >= f.entry_time
        AND (f.cart_time IS NULL OR d.event_time < f.cart_time))
    OR (d.event_type = 'purchase' AND d.event_time >= f.cart_time
        AND (f.purchase_time IS NULL OR d.event_time < f.purchase_time)));
DELETE FROM rollup_user_funnel
WHERE user_id IN (SELECT user_id FROM rollup_user_funnel_changed);
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
      AND e.user_id IN (SELECT user_id FROM rollup_user_funnel_changed)
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
