WITH b0 AS (
  SELECT
    0 AS series,
    DATE_TRUNC('WEEK', e.event_time) AS bucket,
    u.country AS bd_0,
    e.user_id AS uid,
    e.session_id AS sid,
    CASE
      WHEN e.event_type = 'purchase'
      THEN COALESCE(e.price, p.price, 0) * e.quantity
      WHEN e.event_type = 'refund'
      THEN -COALESCE(e.price, p.price, 0) * e.quantity
    END AS mv
  FROM events AS e
  LEFT JOIN products AS p
    ON p.product_id = e.product_id
  LEFT JOIN users AS u
    ON u.user_id = e.user_id
  WHERE
    (
      e.event_time >= :p0 AND e.event_time < :p1
    )
    AND (
      e.raw_event IN (:p3) OR e.event_type IN (:p2)
    )
    AND (
      NOT (
        p.brand = :p4
      ) OR p.brand IS NULL
    )
)
SELECT
  series,
  bucket,
  bd_0,
  bd_other,
  CAST(SUM(mv) AS DOUBLE) AS value
FROM (
  SELECT
    series,
    bucket,
    CASE WHEN bd_rank <= 5 THEN bd_0 END AS bd_0,
    CASE WHEN bd_rank <= 5 THEN 0 ELSE 1 END AS bd_other,
    uid,
    sid,
    mv
  FROM (
    SELECT
      b0.*,
      rk.bd_rank
    FROM b0
    LEFT JOIN (
      SELECT
        bd_0,
        DENSE_RANK() OVER (ORDER BY COUNT(*) DESC, bd_0 NULLS LAST) AS bd_rank
      FROM b0
      GROUP BY
        bd_0
    ) AS rk
      ON b0.bd_0 IS NOT DISTINCT FROM rk.bd_0
  ) AS r
) AS m
GROUP BY
  series,
  bucket,
  bd_0,
  bd_other
