-- Stickiness inputs, optimized: the month's DAU rows and its MAU row from the
-- pre-aggregated distinct-user counts.
SELECT m.period AS month,
       CAST(SUM(d.users) AS BIGINT) AS dau_sum,
       COUNT(*) AS active_days,
       m.users AS mau
FROM rollup_active_counts AS m
JOIN rollup_active_counts AS d
  ON d.grain = 'day' AND d.period >= m.period AND d.period < m.period + INTERVAL '1 month'
WHERE m.grain = 'month' AND m.period >= :month_lo AND m.period < :month_hi
GROUP BY m.period, m.users
ORDER BY m.period
