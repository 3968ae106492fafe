-- Top products by net revenue, optimized: daily per-product sums joined to the catalogue.
WITH per_product AS (
    SELECT product_id,
           SUM(priced_gross - priced_refunds) AS priced_net,
           SUM(unpriced_units - unpriced_refund_units) AS unpriced_net_units,
           SUM(units) AS units
    FROM rollup_revenue_day
    WHERE day >= :day_lo AND day < :day_hi
    GROUP BY product_id
)
SELECT r.product_id,
       p.name,
       p.category,
       p.brand,
       r.priced_net + COALESCE(r.unpriced_net_units * p.price, 0) AS revenue,
       CAST(r.units AS BIGINT) AS units
FROM per_product AS r
LEFT JOIN products AS p ON p.product_id = r.product_id
ORDER BY revenue DESC, r.product_id NULLS LAST
LIMIT :top_n
