WITH entries AS (
  SELECT
    uid,
    cohort,
    entry_day,
    bd_0,
    src,
    CAST(FLOOR(
      CAST(CAST(CAST(entry_day AS DATE) - CAST('1900-01-01' AS DATE) AS INT) AS DOUBLE) / 7
    ) AS INT) AS eidx
  FROM (
    SELECT
      uid,
      cohort,
      MIN(d) AS entry_day,
      MIN(bd_0) AS bd_0,
      'event' AS src
    FROM (
      SELECT
        uid,
        d,
        cohort,
        bd_0,
        MIN(cohort) OVER (PARTITION BY uid) AS first_cohort
      FROM (
        SELECT DISTINCT
          e.user_id AS uid,
          CAST(e.event_time AS DATE) AS d,
          DATE_TRUNC('WEEK', e.event_time) AS cohort,
          CAST(EXTRACT(ISODOW FROM e.event_time) AS INT) AS bd_0
        FROM events AS e
        WHERE
          e.event_time < $p0
      ) AS s
    ) AS r
    WHERE
      cohort = first_cohort
    GROUP BY
      uid,
      cohort
  ) AS en0
  WHERE
    cohort >= $p4 AND cohort < $p5
), per_entry AS (
  SELECT
    uid,
    cohort,
    bd_0,
    k,
    SUM(revenue) AS revenue,
    SUM(orders) AS orders
  FROM (
    SELECT
      en.uid,
      en.cohort,
      en.bd_0,
      a.pidx - en.eidx AS k,
      a.revenue,
      a.orders
    FROM entries AS en
    INNER JOIN (
      SELECT
        uid,
        d,
        CAST(FLOOR(CAST(CAST(CAST(d AS DATE) - CAST('1900-01-01' AS DATE) AS INT) AS DOUBLE) / 7) AS INT) AS pidx,
        revenue,
        orders
      FROM (
        SELECT
          uid,
          d,
          SUM(v) AS revenue,
          CAST(0 AS BIGINT) AS orders
        FROM (
          SELECT
            e.user_id AS uid,
            CAST(e.event_time AS DATE) AS d,
            CASE
              WHEN e.event_type = 'purchase'
              THEN COALESCE(e.price, p.price, 0) * e.quantity
              WHEN e.event_type = 'refund'
              THEN -COALESCE(e.price, p.price, 0) * e.quantity
            END AS v,
            e.event_time AS et
          FROM events AS e
          LEFT JOIN products AS p
            ON p.product_id = e.product_id
          WHERE
            (
              e.event_time >= $p1 AND e.event_time < $p0
            )
            AND (
              e.raw_event IN ($p3) OR e.event_type IN ($p2)
            )
        ) AS rv
        GROUP BY
          uid,
          d
      ) AS rt
      WHERE
        NOT revenue IS NULL
    ) AS a
      ON a.uid = en.uid AND a.d >= en.entry_day AND a.pidx < en.eidx + 8
  ) AS o
  GROUP BY
    uid,
    cohort,
    bd_0,
    k
)
SELECT
  cohort AS cohort,
  bd_0 AS bd_0,
  k AS k,
  COUNT(*) AS users,
  0 AS first_users,
  0 AS last_users,
  CAST(SUM(orders) AS BIGINT) AS orders,
  CAST(SUM(revenue) AS DOUBLE) AS revenue,
  CAST(NULL AS DATE) AS entry_min,
  CAST(NULL AS DATE) AS entry_max,
  0 AS from_signup_date,
  0 AS from_first_seen
FROM per_entry AS pe
GROUP BY
  cohort,
  bd_0,
  k
UNION ALL
SELECT
  cohort AS cohort,
  bd_0 AS bd_0,
  -1 AS k,
  COUNT(*) AS users,
  0 AS first_users,
  0 AS last_users,
  CAST(0 AS BIGINT) AS orders,
  CAST(0 AS DOUBLE) AS revenue,
  MIN(entry_day) AS entry_min,
  MAX(entry_day) AS entry_max,
  SUM(CASE WHEN src = 'signup_date' THEN 1 ELSE 0 END) AS from_signup_date,
  SUM(CASE WHEN src = 'first_seen' THEN 1 ELSE 0 END) AS from_first_seen
FROM entries AS en
GROUP BY
  cohort,
  bd_0
