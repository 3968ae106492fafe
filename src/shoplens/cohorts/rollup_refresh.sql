-- Re-derive the cohort rollup for the days [:day_lo, :day_hi) from all their events.
DELETE FROM cohort_user_day
WHERE day >= CAST(:day_lo AS DATE) AND day < CAST(:day_hi AS DATE);
INSERT INTO cohort_user_day (user_id, day, events, active_events, purchases)
SELECT
    user_id,
    CAST(event_time AS DATE) AS day,
    COUNT(*) AS events,
    SUM(CASE WHEN event_type IS NULL OR event_type <> 'refund' THEN 1 ELSE 0 END) AS active_events,
    SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases
FROM events
WHERE event_time >= CAST(:day_lo AS TIMESTAMP) AND event_time < CAST(:day_hi AS TIMESTAMP)
GROUP BY user_id, CAST(event_time AS DATE)
ORDER BY day, user_id;
