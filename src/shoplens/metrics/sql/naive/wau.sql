-- WAU, naive (the legacy platform's query): date_trunc('week') with COUNT(DISTINCT) over
-- every raw event of the weeks asked for.
SELECT CAST(date_trunc('week', event_time) AS DATE) AS week,
       COUNT(DISTINCT user_id) AS users
FROM events
WHERE event_time >= :week_lo AND event_time < :week_hi
GROUP BY 1
ORDER BY 1
