-- WAU, optimized: one row per week read from the pre-aggregated distinct-user counts
-- (rollup_active_counts, maintained by every load).
SELECT period AS week, users
FROM rollup_active_counts
WHERE grain = 'week' AND period >= :week_lo AND period < :week_hi
ORDER BY period
