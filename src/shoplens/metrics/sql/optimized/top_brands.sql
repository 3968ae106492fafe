-- Top brands by net revenue, optimized: rollup_revenue_brand's month rows of the range's
-- whole months and day rows of the days around them.
SELECT brand,
       SUM(revenue) AS revenue,
       CAST(SUM(units) AS BIGINT) AS units
FROM rollup_revenue_brand
WHERE (grain = 'month' AND period >= :full_month_lo AND period < :full_month_hi)
   OR (grain = 'day' AND period >= :day_lo AND period < :full_month_lo)
   OR (grain = 'day' AND period >= :full_month_hi AND period < :day_hi)
GROUP BY brand
ORDER BY revenue DESC, brand NULLS LAST
LIMIT :top_n
