-- Recount distinct users of every day, week and month overlapping the refreshed days.
DELETE FROM rollup_active_counts
WHERE (grain = 'day' AND period >= :day_lo AND period < :day_hi)
   OR (grain = 'week' AND period >= :week_lo AND period < :week_hi)
   OR (grain = 'month' AND period >= :month_lo AND period < :month_hi);
INSERT INTO rollup_active_counts (grain, period, users)
SELECT 'day', day, COUNT(*)
FROM rollup_user_day
WHERE day >= :day_lo AND day < :day_hi
GROUP BY day
ORDER BY day;
INSERT INTO rollup_active_counts (grain, period, users)
SELECT 'week', CAST(date_trunc('week', CAST(day AS TIMESTAMP)) AS DATE), COUNT(DISTINCT user_id)
FROM rollup_user_day
WHERE day >= :week_lo AND day < :week_hi
GROUP BY 2
ORDER BY 2;
INSERT INTO rollup_active_counts (grain, period, users)
SELECT 'month', CAST(date_trunc('month', CAST(day AS TIMESTAMP)) AS DATE), COUNT(DISTINCT user_id)
FROM rollup_user_day
WHERE day >= :month_lo AND day < :month_hi
GROUP BY 2
ORDER BY 2;
