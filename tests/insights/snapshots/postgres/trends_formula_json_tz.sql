SELECT
  series,
  bucket,
  bd_other,
  CAST(COUNT(DISTINCT uid) AS DOUBLE PRECISION) AS value
FROM (
  SELECT
    series,
    bucket,
    0 AS bd_other,
    uid,
    sid,
    mv
  FROM (
    SELECT
      0 AS series,
      DATE_TRUNC('DAY', (
        e.event_time AT TIME ZONE 'UTC'
      ) AT TIME ZONE 'Europe/Paris') AS bucket,
      e.user_id AS uid,
      e.session_id AS sid,
      NULL AS mv
    FROM events AS e
    LEFT JOIN products AS p
      ON p.product_id = e.product_id
    WHERE
      (
        e.event_time >= %(p0)s AND e.event_time < %(p1)s
      )
      AND (
        e.raw_event IN (%(p3)s) OR e.event_type IN (%(p2)s)
      )
  ) AS r
) AS m
GROUP BY
  series,
  bucket,
  bd_other
UNION ALL
SELECT
  series,
  bucket,
  bd_other,
  CAST(PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY
    CAST(mv AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS value
FROM (
  SELECT
    series,
    bucket,
    0 AS bd_other,
    uid,
    sid,
    mv
  FROM (
    SELECT
      1 AS series,
      DATE_TRUNC('DAY', (
        e.event_time AT TIME ZONE 'UTC'
      ) AT TIME ZONE 'Europe/Paris') AS bucket,
      e.user_id AS uid,
      e.session_id AS sid,
      COALESCE(e.price, p.price) AS mv
    FROM events AS e
    LEFT JOIN products AS p
      ON p.product_id = e.product_id
    WHERE
      (
        e.event_time >= %(p4)s AND e.event_time < %(p5)s
      )
      AND e.raw_event = %(p6)s
      AND CAST(e.properties AS JSON) ->> 'utm_source' ~ %(p7)s
  ) AS r
) AS m
GROUP BY
  series,
  bucket,
  bd_other
