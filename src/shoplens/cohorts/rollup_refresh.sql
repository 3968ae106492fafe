-- Re-derive the cohort rollup for the days [:day_lo, :day_hi) from all their events.
-- Revenue: price x quantity of purchases minus refunds, the event's price or else the
-- product's list price (a change to products is caught by the rollup's fingerprint).
DELETE FROM cohort_user_day
WHERE day >= CAST(:day_lo AS DATE) AND day < CAST(:day_hi AS DATE);
INSERT INTO cohort_user_day (user_id, day, events, active_events, purchases, orders, revenue)
SELECT
    e.user_id,
    CAST(e.event_time AS DATE) AS day,
    COUNT(*) AS events,
    SUM(CASE WHEN e.event_type IS NULL OR e.event_type <> 'refund' THEN 1 ELSE 0 END) AS active_events,
    SUM(CASE WHEN e.event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
    COUNT(DISTINCT CASE WHEN e.event_type = 'purchase' THEN e.event_time END) AS orders,
    SUM(CASE
        WHEN e.event_type = 'purchase' THEN COALESCE(e.price, p.price) * e.quantity
        WHEN e.event_type = 'refund' THEN -COALESCE(e.price, p.price) * e.quantity
    END) AS revenue
FROM events AS e
LEFT JOIN products AS p ON p.product_id = e.product_id
WHERE e.event_time >= CAST(:day_lo AS TIMESTAMP) AND e.event_time < CAST(:day_hi AS TIMESTAMP)
GROUP BY e.user_id, CAST(e.event_time AS DATE)
ORDER BY day, e.user_id;
