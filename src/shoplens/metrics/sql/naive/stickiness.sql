-- Stickiness inputs, naive: daily and monthly distinct users from the raw events, joined
-- per month (sum of DAU, days with activity, MAU).
WITH daily AS (
    SELECT CAST(date_trunc('day', event_time) AS DATE) AS day,
           COUNT(DISTINCT user_id) AS users
    FROM events
    WHERE event_time >= :month_lo AND event_time < :month_hi
    GROUP BY 1
), monthly AS (
    SELECT CAST(date_trunc('month', event_time) AS DATE) AS month,
           COUNT(DISTINCT user_id) AS users
    FROM events
    WHERE event_time >= :month_lo AND event_time < :month_hi
    GROUP BY 1
)
SELECT m.month,
       CAST(SUM(d.users) AS BIGINT) AS dau_sum,
       COUNT(*) AS active_days,
       m.users AS mau
FROM monthly AS m
JOIN daily AS d ON CAST(date_trunc('month', CAST(d.day AS TIMESTAMP)) AS DATE) = m.month
GROUP BY m.month, m.users
ORDER BY m.month
