SELECT
  series,
  bucket,
  bd_other,
  CAST(COUNT(DISTINCT uid) AS DOUBLE) AS value
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
        e.event_time >= $p0 AND e.event_time < $p1
      )
      AND (
        e.raw_event IN ($p3) OR e.event_type IN ($p2)
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
  CAST(QUANTILE_CONT(CAST(mv AS DOUBLE), 0.9 ORDER BY CAST(mv AS DOUBLE)) AS DOUBLE) AS value
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
        e.event_time >= $p4 AND e.event_time < $p5
      )
      AND e.raw_event = $p6
      AND REGEXP_MATCHES((
        CAST(e.properties AS JSON) ->> '$.utm_source'
      ), $p7)
  ) AS r
) AS m
GROUP BY
  series,
  bucket,
  bd_other
