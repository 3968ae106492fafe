-- Re-derive the category and brand rows of the days [:day_lo, :day_hi) from the product
-- rows, then the weeks and months that contain them from the day rows.
DELETE FROM rollup_revenue_category
WHERE (grain = 'day' AND period >= :day_lo AND period < :day_hi)
   OR (grain = 'week' AND period >= :week_lo AND period < :week_hi)
   OR (grain = 'month' AND period >= :month_lo AND period < :month_hi);
INSERT INTO rollup_revenue_category (grain, period, category, revenue, units, refunded_units)
SELECT 'day', r.period, COALESCE(c.category, '(no category)'), SUM(r.gross - r.refunds),
       SUM(r.units), SUM(r.refunded_units)
FROM rollup_revenue_product AS r
LEFT JOIN rollup_revenue_catalogue AS c ON c.product_id = r.product_id
WHERE r.grain = 'day' AND r.period >= :day_lo AND r.period < :day_hi
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_category (grain, period, category, revenue, units, refunded_units)
SELECT 'week', CAST(date_trunc('week', CAST(period AS TIMESTAMP)) AS DATE), category,
       SUM(revenue), SUM(units), SUM(refunded_units)
FROM rollup_revenue_category
WHERE grain = 'day' AND period >= :week_lo AND period < :week_hi
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_category (grain, period, category, revenue, units, refunded_units)
SELECT 'month', CAST(date_trunc('month', CAST(period AS TIMESTAMP)) AS DATE), category,
       SUM(revenue), SUM(units), SUM(refunded_units)
FROM rollup_revenue_category
WHERE grain = 'day' AND period >= :month_lo AND period < :month_hi
GROUP BY 2, 3
ORDER BY 2, 3;
DELETE FROM rollup_revenue_brand
WHERE (grain = 'day' AND period >= :day_lo AND period < :day_hi)
   OR (grain = 'month' AND period >= :month_lo AND period < :month_hi);
INSERT INTO rollup_revenue_brand (grain, period, brand, revenue, units)
SELECT 'day', r.period, c.brand, SUM(r.gross - r.refunds), SUM(r.units)
FROM rollup_revenue_product AS r
LEFT JOIN rollup_revenue_catalogue AS c ON c.product_id = r.product_id
WHERE r.grain = 'day' AND r.period >= :day_lo AND r.period < :day_hi
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_brand (grain, period, brand, revenue, units)
SELECT 'month', CAST(date_trunc('month', CAST(period AS TIMESTAMP)) AS DATE), brand,
       SUM(revenue), SUM(units)
FROM rollup_revenue_brand
WHERE grain = 'day' AND period >= :month_lo AND period < :month_hi
GROUP BY 2, 3
ORDER BY 2, 3;
