-- Rebuild the per-product purchase/refund sums and the order counts of [:day_lo, :day_hi).
DELETE FROM rollup_revenue_day WHERE day >= :day_lo AND day < :day_hi;
INSERT INTO rollup_revenue_day (day, product_id, priced_gross, priced_refunds, unpriced_units,
                                unpriced_refund_units, units, refunded_units)
SELECT CAST(event_time AS DATE) AS day,
       product_id,
       COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN price * quantity END), 0),
       COALESCE(SUM(CASE WHEN event_type = 'refund' THEN price * quantity END), 0),
       SUM(CASE WHEN event_type = 'purchase' AND price IS NULL THEN quantity ELSE 0 END),
       SUM(CASE WHEN event_type = 'refund' AND price IS NULL THEN quantity ELSE 0 END),
       SUM(CASE WHEN event_type = 'purchase' THEN quantity ELSE 0 END),
       SUM(CASE WHEN event_type = 'refund' THEN quantity ELSE 0 END)
FROM events
WHERE event_type IN ('purchase', 'refund')
  AND event_time >= :day_lo AND event_time < :day_hi
GROUP BY 1, 2
ORDER BY 1, 2;
DELETE FROM rollup_orders_day WHERE day >= :day_lo AND day < :day_hi;
INSERT INTO rollup_orders_day (day, orders)
SELECT day, COUNT(*)
FROM (SELECT DISTINCT user_id, session_id, CAST(event_time AS DATE) AS day
      FROM events
      WHERE event_type = 'purchase'
        AND event_time >= :day_lo AND event_time < :day_hi) AS o
GROUP BY day
ORDER BY day;
