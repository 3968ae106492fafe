-- Revenue per period and category, naive: join every purchase/refund event to its product.
-- Price: the event's, else the product's list price; refunds count negative.
SELECT CAST(date_trunc(:grain, e.event_time) AS DATE) AS period,
       COALESCE(NULLIF(TRIM(p.category), ''), '(no category)') AS category,
       COALESCE(SUM(CASE WHEN e.event_type = 'purchase'
                         THEN COALESCE(e.price, p.price) * e.quantity
                         ELSE -COALESCE(e.price, p.price) * e.quantity END), 0) AS revenue,
       CAST(SUM(CASE WHEN e.event_type = 'purchase' THEN e.quantity ELSE 0 END) AS BIGINT) AS units,
       CAST(SUM(CASE WHEN e.event_type = 'refund' THEN e.quantity ELSE 0 END) AS BIGINT)
           AS refunded_units
FROM events AS e
LEFT JOIN products AS p ON p.product_id = e.product_id
WHERE e.event_type IN ('purchase', 'refund')
  AND e.event_time >= :period_lo AND e.event_time < :period_hi
GROUP BY 1, 2
ORDER BY 1, revenue DESC, 2 NULLS LAST
