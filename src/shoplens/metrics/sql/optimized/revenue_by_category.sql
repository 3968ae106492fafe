-- Revenue per period and category, optimized: the rows of rollup_revenue_category at the
-- grain asked for, one per period and category (maintained by every load and catalogue
-- change: shoplens.metrics.revenue_rollups).
SELECT period, category, revenue, units, refunded_units
FROM rollup_revenue_category
WHERE grain = :grain AND period >= :period_lo AND period < :period_hi
ORDER BY period, revenue DESC, category NULLS LAST
