-- Orders, gross and refunded value, optimized: the period totals of rollup_revenue_total,
-- the month rows of the range's whole months and the day rows of the days around them.
SELECT CAST(COALESCE(SUM(orders), 0) AS BIGINT) AS orders,
       COALESCE(SUM(gross), 0) AS gross,
       COALESCE(SUM(refunds), 0) AS refunds
FROM rollup_revenue_total
WHERE (grain = 'month' AND period >= :full_month_lo AND period < :full_month_hi)
   OR (grain = 'day' AND period >= :day_lo AND period < :full_month_lo)
   OR (grain = 'day' AND period >= :full_month_hi AND period < :day_hi)
