SELECT
  cohort,
  bd_0,
  k,
  COUNT(*) AS users,
  0 AS last_users,
  CAST(SUM(revenue) AS DOUBLE) AS revenue
FROM (
  SELECT
    en.uid,
    en.cohort,
    en.bd_0,
    a.pidx - en.cidx AS k,
    a.revenue
  FROM (
    SELECT
      uid,
      cohort,
      bd_0,
      CAST(CAST((
        CAST(cohort AS DATE) - CAST('1900-01-01' AS DATE)
      ) AS DOUBLE) / 7 AS INT) AS cidx
    FROM (
      SELECT
        uid,
        cohort,
        MIN(bd_0) AS bd_0
      FROM (
        SELECT
          uid,
          cohort,
          bd_0,
          MIN(cohort) OVER (PARTITION BY uid) AS first_cohort
        FROM (
          SELECT DISTINCT
            e.user_id AS uid,
            DATE_TRUNC('WEEK', e.event_time) AS cohort,
            CAST(EXTRACT(ISODOW FROM e.event_time) AS INT) AS bd_0
          FROM events AS e
          WHERE
            e.event_time < $p2
        ) AS s
      ) AS r
      WHERE
        cohort = first_cohort
      GROUP BY
        uid,
        cohort
    ) AS en
    WHERE
      cohort >= $p0 AND cohort < $p1
  ) AS en
  INNER JOIN (
    SELECT
      uid,
      CAST(CAST((
        CAST(b AS DATE) - CAST('1900-01-01' AS DATE)
      ) AS DOUBLE) / 7 AS INT) AS pidx,
      SUM(v) AS revenue
    FROM (
      SELECT
        e.user_id AS uid,
        DATE_TRUNC('WEEK', e.event_time) AS b,
        CASE
          WHEN e.event_type = 'purchase'
          THEN COALESCE(e.price, p.price, 0) * e.quantity
          WHEN e.event_type = 'refund'
          THEN -COALESCE(e.price, p.price, 0) * e.quantity
        END AS v
      FROM events AS e
      LEFT JOIN products AS p
        ON p.product_id = e.product_id
      WHERE
        (
          e.event_time >= $p3 AND e.event_time < $p2
        )
        AND (
          e.raw_event IN ($p5) OR e.event_type IN ($p4)
        )
    ) AS rt
    GROUP BY
      uid,
      CAST(CAST((
        CAST(b AS DATE) - CAST('1900-01-01' AS DATE)
      ) AS DOUBLE) / 7 AS INT)
  ) AS a
    ON a.uid = en.uid AND a.pidx >= en.cidx AND a.pidx < en.cidx + 8
) AS o
GROUP BY
  cohort,
  bd_0,
  k
UNION ALL
SELECT
  cohort,
  bd_0,
  k,
  0 AS users,
  COUNT(*) AS last_users,
  CAST(0 AS DOUBLE) AS revenue
FROM (
  SELECT
    uid,
    cohort,
    bd_0,
    MAX(k) AS k
  FROM (
    SELECT
      en.uid,
      en.cohort,
      en.bd_0,
      a.pidx - en.cidx AS k,
      a.revenue
    FROM (
      SELECT
        uid,
        cohort,
        bd_0,
        CAST(CAST((
          CAST(cohort AS DATE) - CAST('1900-01-01' AS DATE)
        ) AS DOUBLE) / 7 AS INT) AS cidx
      FROM (
        SELECT
          uid,
          cohort,
          MIN(bd_0) AS bd_0
        FROM (
          SELECT
            uid,
            cohort,
            bd_0,
            MIN(cohort) OVER (PARTITION BY uid) AS first_cohort
          FROM (
            SELECT DISTINCT
              e.user_id AS uid,
              DATE_TRUNC('WEEK', e.event_time) AS cohort,
              CAST(EXTRACT(ISODOW FROM e.event_time) AS INT) AS bd_0
            FROM events AS e
            WHERE
              e.event_time < $p2
          ) AS s
        ) AS r
        WHERE
          cohort = first_cohort
        GROUP BY
          uid,
          cohort
      ) AS en
      WHERE
        cohort >= $p0 AND cohort < $p1
    ) AS en
    INNER JOIN (
      SELECT
        uid,
        CAST(CAST((
          CAST(b AS DATE) - CAST('1900-01-01' AS DATE)
        ) AS DOUBLE) / 7 AS INT) AS pidx,
        SUM(v) AS revenue
      FROM (
        SELECT
          e.user_id AS uid,
          DATE_TRUNC('WEEK', e.event_time) AS b,
          CASE
            WHEN e.event_type = 'purchase'
            THEN COALESCE(e.price, p.price, 0) * e.quantity
            WHEN e.event_type = 'refund'
            THEN -COALESCE(e.price, p.price, 0) * e.quantity
          END AS v
        FROM events AS e
        LEFT JOIN products AS p
          ON p.product_id = e.product_id
        WHERE
          (
            e.event_time >= $p3 AND e.event_time < $p2
          )
          AND (
            e.raw_event IN ($p5) OR e.event_type IN ($p4)
          )
      ) AS rt
      GROUP BY
        uid,
        CAST(CAST((
          CAST(b AS DATE) - CAST('1900-01-01' AS DATE)
        ) AS DOUBLE) / 7 AS INT)
    ) AS a
      ON a.uid = en.uid AND a.pidx >= en.cidx AND a.pidx < en.cidx + 8
  ) AS o
  GROUP BY
    uid,
    cohort,
    bd_0
) AS l
GROUP BY
  cohort,
  bd_0,
  k
UNION ALL
SELECT
  cohort,
  bd_0,
  -1 AS k,
  COUNT(*) AS users,
  0 AS last_users,
  CAST(0 AS DOUBLE) AS revenue
FROM (
  SELECT
    uid,
    cohort,
    bd_0,
    CAST(CAST((
      CAST(cohort AS DATE) - CAST('1900-01-01' AS DATE)
    ) AS DOUBLE) / 7 AS INT) AS cidx
  FROM (
    SELECT
      uid,
      cohort,
      MIN(bd_0) AS bd_0
    FROM (
      SELECT
        uid,
        cohort,
        bd_0,
        MIN(cohort) OVER (PARTITION BY uid) AS first_cohort
      FROM (
        SELECT DISTINCT
          e.user_id AS uid,
          DATE_TRUNC('WEEK', e.event_time) AS cohort,
          CAST(EXTRACT(ISODOW FROM e.event_time) AS INT) AS bd_0
        FROM events AS e
        WHERE
          e.event_time < $p2
      ) AS s
    ) AS r
    WHERE
      cohort = first_cohort
    GROUP BY
      uid,
      cohort
  ) AS en
  WHERE
    cohort >= $p0 AND cohort < $p1
) AS en
GROUP BY
  cohort,
  bd_0
