-- MAU, optimized: one row per month read from the pre-aggregated distinct-user counts
-- (rollup_active_counts, maintained by every load).
SELECT period AS month, users
FROM rollup_active_counts
WHERE grain = 'month' AND period >= :month_lo AND period < :month_hi
ORDER BY period
