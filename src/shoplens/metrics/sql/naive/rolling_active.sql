-- Rolling 7- and 28-day actives, naive: every day of the range (clipped to the days the
-- data spans) joined to every raw event of its trailing 28 days, then COUNT(DISTINCT).
WITH span AS (
    SELECT CAST(MIN(event_time) AS DATE) AS first_day, CAST(MAX(event_time) AS DATE) AS last_day
    FROM events
), days AS (
    SELECT CAST(g.d AS DATE) AS day
    FROM span,
         generate_series(CAST(GREATEST(CAST(:roll_first AS DATE), span.first_day) AS TIMESTAMP),
                         CAST(LEAST(CAST(:roll_last AS DATE), span.last_day) AS TIMESTAMP),
                         INTERVAL '1 day') AS g(d)
)
SELECT days.day,
       COUNT(DISTINCT CASE WHEN e.event_time >= days.day - INTERVAL '6 days' THEN e.user_id END)
           AS active_7d,
       COUNT(DISTINCT e.user_id) AS active_28d
FROM days
LEFT JOIN events AS e
    ON e.event_time >= days.day - INTERVAL '27 days'
   AND e.event_time < days.day + INTERVAL '1 day'
GROUP BY days.day
ORDER BY days.day
