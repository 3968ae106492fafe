-- Top products by net revenue, naive: join every purchase/refund event to its product.
SELECT e.product_id,
       p.name,
       COALESCE(NULLIF(TRIM(p.category), ''), '(no category)') AS category,
       p.brand,
       COALESCE(SUM(CASE WHEN e.event_type = 'purchase'
                         THEN COALESCE(e.price, p.price) * e.quantity
                         ELSE -COALESCE(e.price, p.price) * e.quantity END), 0) AS revenue,
       CAST(SUM(CASE WHEN e.event_type = 'purchase' THEN e.quantity ELSE 0 END) AS BIGINT) AS units
FROM events AS e
LEFT JOIN products AS p ON p.product_id = e.product_id
WHERE e.event_type IN ('purchase', 'refund')
  AND e.event_time >= :day_lo AND e.event_time < :day_hi
GROUP BY e.product_id, p.name, p.category, p.brand
ORDER BY revenue DESC, e.product_id NULLS LAST
LIMIT :top_n
