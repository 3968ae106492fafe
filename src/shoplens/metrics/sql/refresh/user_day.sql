-- Rebuild the user-days of [:day_lo, :day_hi) from the events of those days: every
-- active-user count, the cohort matrices and the planner read these rows.
-- Revenue: price x quantity of purchases minus refunds, the event's price or else the
-- product's list price (NULL: no priced money that day).
DELETE FROM rollup_user_day WHERE day >= :day_lo AND day < :day_hi;
INSERT INTO rollup_user_day (day, user_id, events, active_events, purchases, orders, revenue)
SELECT CAST(e.event_time AS DATE) AS day,
       e.user_id,
       COUNT(*) AS events,
       SUM(CASE WHEN e.event_type IS NULL OR e.event_type <> 'refund' THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.event_type = 'purchase' THEN 1 ELSE 0 END),
       COUNT(DISTINCT CASE WHEN e.event_type = 'purchase' THEN e.event_time END),
       SUM(CASE
           WHEN e.event_type = 'purchase' THEN COALESCE(e.price, p.price) * e.quantity
           WHEN e.event_type = 'refund' THEN -COALESCE(e.price, p.price) * e.quantity
       END)
FROM events AS e
LEFT JOIN products AS p ON p.product_id = e.product_id
WHERE e.event_time >= :day_lo AND e.event_time < :day_hi
GROUP BY 1, 2
ORDER BY 1, 2;
