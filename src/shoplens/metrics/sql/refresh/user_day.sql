-- Rebuild the user-days of [:day_lo, :day_hi) from the events of those days.
DELETE FROM rollup_user_day WHERE day >= :day_lo AND day < :day_hi;
INSERT INTO rollup_user_day (day, user_id, events)
SELECT CAST(event_time AS DATE) AS day, user_id, COUNT(*) AS events
FROM events
WHERE event_time >= :day_lo AND event_time < :day_hi
GROUP BY 1, 2
ORDER BY 1, 2;
