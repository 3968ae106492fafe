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
      DATE_TRUNC(
        'DAY',
        FROM_UTC_TIMESTAMP((
          FROM_UTC_TIMESTAMP(e.event_time, 'UTC')
        ), 'Europe/Paris')
      ) AS bucket,
      e.user_id AS uid,
      e.session_id AS sid,
      NULL AS mv
    FROM events AS e
    LEFT JOIN products AS p
      ON p.product_id = e.product_id
    WHERE
      (
        e.event_time >= :p0 AND e.event_time < :p1
      )
      AND (
        e.raw_event IN (:p3) OR e.event_type IN (:p2)
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
    CAST(mv AS DOUBLE) NULLS LAST) AS DOUBLE) AS value
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
      DATE_TRUNC(
        'DAY',
        FROM_UTC_TIMESTAMP((
          FROM_UTC_TIMESTAMP(e.event_time, 'UTC')
        ), 'Europe/Paris')
      ) AS bucket,
      e.user_id AS uid,
      e.session_id AS sid,
      COALESCE(e.price, p.price) AS mv
    FROM events AS e
    LEFT JOIN products AS p
      ON p.product_id = e.product_id
    WHERE
      (
        e.event_time >= :p4 AND e.event_time < :p5
      )
      AND e.raw_event = :p6
      AND GET_JSON_OBJECT(e.properties, '$.utm_source') RLIKE :p7
  ) AS r
) AS m
GROUP BY
  series,
  bucket,
  bd_other
