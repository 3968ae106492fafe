-- Top products by net revenue, optimized: rollup_revenue_product's month rows of the
-- range's whole months and day rows of the days around them, ranked; only the top rows
-- are joined to the catalogue for their name, category and brand.
WITH ranked AS (
    SELECT product_id,
           SUM(gross - refunds) AS revenue,
           SUM(units) AS units
    FROM rollup_revenue_product
    WHERE (grain = 'month' AND period >= :full_month_lo AND period < :full_month_hi)
   OR (grain = 'day' AND period >= :day_lo AND period < :full_month_lo)
   OR (grain = 'day' AND period >= :full_month_hi AND period < :day_hi)
    GROUP BY product_id
    ORDER BY revenue DESC, product_id NULLS LAST
    LIMIT :top_n
)
SELECT r.product_id,
       p.name,
       COALESCE(NULLIF(TRIM(p.category), ''), '(no category)') AS category,
       p.brand,
       r.revenue,
       CAST(r.units AS BIGINT) AS units
FROM ranked AS r
LEFT JOIN products AS p ON p.product_id = r.product_id
ORDER BY r.revenue DESC, r.product_id NULLS LAST
