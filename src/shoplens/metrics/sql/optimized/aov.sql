-- Orders and gross purchase value, optimized: daily order counts (rollup_orders_day) and
-- daily per-product sums (rollup_revenue_day).
SELECT
    (SELECT CAST(COALESCE(SUM(orders), 0) AS BIGINT)
     FROM rollup_orders_day
     WHERE day >= :day_lo AND day < :day_hi) AS orders,
    (SELECT COALESCE(SUM(r.priced_gross + COALESCE(r.unpriced_units * p.price, 0)), 0)
     FROM rollup_revenue_day AS r
     LEFT JOIN products AS p ON p.product_id = r.product_id
     WHERE r.day >= :day_lo AND r.day < :day_hi) AS gross,
    (SELECT COALESCE(SUM(r.priced_refunds + COALESCE(r.unpriced_refund_units * p.price, 0)), 0)
     FROM rollup_revenue_day AS r
     LEFT JOIN products AS p ON p.product_id = r.product_id
     WHERE r.day >= :day_lo AND r.day < :day_hi) AS refunds
