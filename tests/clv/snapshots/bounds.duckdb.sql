/* The purchase days the data holds: the range a calibration end must fall in. */
SELECT
  MIN(CAST(event_time AS DATE)) AS first_day,
  MAX(CAST(event_time AS DATE)) AS last_day,
  COUNT(*) AS purchases
FROM events
WHERE
  event_type = 'purchase'
