SELECT
  series,
  bd_0,
  bd_other,
  intervals,
  COUNT(*) AS users
FROM (
  SELECT
    series,
    bd_0,
    bd_other,
    uid,
    COUNT(DISTINCT bucket) AS intervals
  FROM (
    SELECT
      series,
      bucket,
      CASE WHEN bd_rank <= 10 THEN bd_0 END AS bd_0,
      CASE WHEN bd_rank <= 10 THEN 0 ELSE 1 END AS bd_other,
      uid
    FROM (
      WITH b0 AS (
        SELECT
          0 AS series,
          DATE_TRUNC('DAY', e.event_time) AS bucket,
          ft_channel.value AS bd_0,
          e.user_id AS uid,
          e.session_id AS sid,
          NULL AS mv
        FROM events AS e
        LEFT JOIN (
          SELECT
            user_id,
            value
          FROM (
            SELECT
              x.user_id,
              CAST(x.properties AS JSON) ->> 'utm_source' AS value,
              ROW_NUMBER() OVER (PARTITION BY x.user_id ORDER BY x.event_time, x.event_id) AS rn
            FROM events AS x
            WHERE
              NOT (
                CAST(x.properties AS JSON) ->> 'utm_source'
              ) IS NULL
              AND CAST(x.properties AS JSON) ->> 'utm_source' <> ''
          ) AS r
          WHERE
            rn = 1
        ) AS ft_channel
          ON ft_channel.user_id = e.user_id
        WHERE
          e.event_time >= %(p0)s AND e.event_time < %(p1)s
      )
      SELECT
        b0.*,
        rk.bd_rank
      FROM b0
      LEFT JOIN (
        SELECT
          bd_0,
          DENSE_RANK() OVER (ORDER BY COUNT(*) DESC NULLS LAST, bd_0) AS bd_rank
        FROM b0
        GROUP BY
          bd_0
      ) AS rk
        ON b0.bd_0 IS NOT DISTINCT FROM rk.bd_0
    ) AS r
  ) AS m
  GROUP BY
    series,
    bd_0,
    bd_other,
    uid
) AS pu
GROUP BY
  series,
  bd_0,
  bd_other,
  intervals
