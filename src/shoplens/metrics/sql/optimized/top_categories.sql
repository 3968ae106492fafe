-- Top categorys by net revenue, optimized: daily per-product sums joined to the catalogue.
SELECT p.category,
       COALESCE(SUM(r.priced_gross - r.priced_refunds
                    + COALESCE((r.unpriced_units - r.unpriced_refund_units) * p.price, 0)), 0)
           AS revenue,
       CAST(SUM(r.units) AS BIGINT) AS units
FROM rollup_revenue_day AS r
LEFT JOIN products AS p ON p.product_id = r.product_id
WHERE r.day >= :day_lo AND r.day < :day_hi
GROUP BY p.category
ORDER BY revenue DESC, p.category NULLS LAST
LIMIT :top_n
