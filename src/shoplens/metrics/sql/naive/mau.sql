-- MAU, naive: distinct users per calendar month from the raw events.
SELECT CAST(date_trunc('month', event_time) AS DATE) AS month,
       COUNT(DISTINCT user_id) AS users
FROM events
WHERE event_time >= :month_lo AND event_time < :month_hi
GROUP BY 1
ORDER BY 1
