WITH c AS (
  SELECT
    bucket,
    CASE
      WHEN bucket = first_bucket
      THEN 'new'
      WHEN prev_bucket = DATE_TRUNC('WEEK', bucket - INTERVAL '1' DAY)
      THEN 'returning'
      ELSE 'resurrecting'
    END AS status,
    next_bucket,
    DATE_TRUNC('WEEK', bucket + INTERVAL '7' DAY) AS following
  FROM (
    SELECT
      uid,
      bucket,
      LAG(bucket) OVER (PARTITION BY uid ORDER BY bucket) AS prev_bucket,
      LEAD(bucket) OVER (PARTITION BY uid ORDER BY bucket) AS next_bucket,
      MIN(bucket) OVER (PARTITION BY uid) AS first_bucket
    FROM (
      SELECT DISTINCT
        e.user_id AS uid,
        DATE_TRUNC('WEEK', e.event_time) AS bucket
      FROM events AS e
      WHERE
        e.event_time < $p2 AND (
          e.raw_event IN ($p1) OR e.event_type IN ($p0)
        )
    ) AS a
  ) AS l
)
SELECT
  bucket,
  status,
  COUNT(*) AS users
FROM c
WHERE
  bucket >= $p3 AND bucket < $p4
GROUP BY
  bucket,
  status
UNION ALL
SELECT
  following AS bucket,
  'dormant' AS status,
  -COUNT(*) AS users
FROM c
WHERE
  (
    next_bucket IS NULL OR next_bucket > following
  )
  AND following >= $p3
  AND following < $p4
GROUP BY
  following
