-- DAU, optimized: one row per day read from the pre-aggregated distinct-user counts
-- (rollup_active_counts, maintained by every load).
SELECT period AS day, users
FROM rollup_active_counts
WHERE grain = 'day' AND period >= :day_lo AND period < :day_hi
ORDER BY period
