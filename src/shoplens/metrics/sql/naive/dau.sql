-- DAU, naive: distinct users per day, straight from the raw events.
SELECT CAST(date_trunc('day', event_time) AS DATE) AS day,
       COUNT(DISTINCT user_id) AS users
FROM events
WHERE event_time >= :day_lo AND event_time < :day_hi
GROUP BY 1
ORDER BY 1
