-- Cohort retention matrix, one row per (cohort, offset). PostgreSQL dialect; SQLGlot
-- renders it for each engine. Every choice is a bound parameter:
--   :cohort_by (signup | first_activity | first_purchase), :period and :offset_unit
--   (day | week | month), :periods, :measure (users | orders | revenue),
--   :kind (classic | rolling | cumulative), :activity (any | purchase),
--   :observed_from, :observed_until (DATE or NULL = the data's first / last day).
-- The parameter CASEs only ever run on small, already aggregated rows (per user-day
-- at most); the scans of `events` do not depend on them.
-- Everything the matrix needs from the clickstream, one row per user and day, from the
-- user-day rollup (shoplens.metrics.rollups keeps it equal to grouping `events` by user and
-- day). A refund is never activity; an unknown event_type (NULL) is.
WITH user_days AS (
    SELECT
        user_id,
        day,
        CASE WHEN active_events > 0 THEN 1 ELSE 0 END AS any_active,
        CASE WHEN purchases > 0 THEN 1 ELSE 0 END AS purchased
    FROM rollup_user_day
),
bounds AS (
    SELECT
        COALESCE(CAST(:observed_from AS DATE), MIN(day)) AS obs_start,
        COALESCE(CAST(:observed_until AS DATE), MAX(day)) AS obs_end
    FROM user_days
),
-- Orders (distinct purchase timestamps: the lines of an invoice share its time) and
-- revenue (purchases minus refunds, at the event's price or else the list price), per
-- user and day, from the same rollup.
money_days AS (
    SELECT user_id, day, orders, revenue
    FROM rollup_user_day
    WHERE (orders > 0 OR revenue IS NOT NULL)
      AND CAST(:measure AS TEXT) <> 'users'  -- a constant: skipped when not needed
),
first_days AS (
    SELECT
        user_id,
        MIN(CASE WHEN any_active = 1 THEN day END) AS first_activity,
        MIN(CASE WHEN purchased = 1 THEN day END) AS first_purchase
    FROM user_days
    WHERE day <= (SELECT obs_end FROM bounds)
    GROUP BY user_id
),
-- The cohort date of every user and where it came from.
anchors AS (
    SELECT
        COALESCE(u.user_id, f.user_id) AS user_id,
        CASE CAST(:cohort_by AS TEXT)
            WHEN 'signup' THEN COALESCE(u.signup_date, CAST(u.first_seen AS DATE), f.first_activity)
            WHEN 'first_activity' THEN f.first_activity
            ELSE f.first_purchase
        END AS anchor_day,
        CASE
            WHEN CAST(:cohort_by AS TEXT) <> 'signup' THEN CAST(:cohort_by AS TEXT)
            WHEN u.signup_date IS NOT NULL THEN 'signup_date'
            WHEN u.first_seen IS NOT NULL THEN 'first_seen'
            ELSE 'first_event'
        END AS anchor_source
    FROM users AS u
    FULL OUTER JOIN first_days AS f ON f.user_id = u.user_id
),
placed AS (
    SELECT a.user_id, a.anchor_day, a.anchor_source
    FROM anchors AS a
    CROSS JOIN bounds AS b
    WHERE a.anchor_day IS NOT NULL AND a.anchor_day <= b.obs_end
),
-- Every day from just before the first cohort date or observed day to just after the
-- last observed day, with its cohort (period start) and its offset-unit index. Month
-- indexes are year * 12 + month, so an offset is the calendar-month difference; week
-- indexes count Monday weeks (date_trunc('week') is Monday on both engines).
calendar AS (
    SELECT
        CAST(g.d AS DATE) AS day,
        CASE CAST(:period AS TEXT)
            WHEN 'day' THEN CAST(g.d AS DATE)
            WHEN 'week' THEN CAST(DATE_TRUNC('week', g.d) AS DATE)
            ELSE CAST(DATE_TRUNC('month', g.d) AS DATE)
        END AS cohort,
        CASE CAST(:offset_unit AS TEXT)
            WHEN 'day' THEN CAST(CAST(g.d AS DATE) - DATE '1900-01-01' AS INTEGER)
            WHEN 'week' THEN CAST((CAST(DATE_TRUNC('week', g.d) AS DATE) - DATE '1900-01-01') / 7 AS INTEGER)
            ELSE CAST(EXTRACT(YEAR FROM g.d) * 12 + EXTRACT(MONTH FROM g.d) AS INTEGER)
        END AS idx
    FROM GENERATE_SERIES(
        CAST((SELECT LEAST(MIN(p.anchor_day), MIN(b.obs_start)) FROM placed AS p CROSS JOIN bounds AS b) AS TIMESTAMP) - INTERVAL '1 day',
        CAST((SELECT obs_end FROM bounds) AS TIMESTAMP) + INTERVAL '1 day',
        INTERVAL '1 day'
    ) AS g(d)
),
-- The fully observed offset-unit periods: first_idx .. last_idx. (One aggregate over
-- the calendar rather than scalar subqueries, which PostgreSQL would run per row.)
window_idx AS (
    SELECT
        MAX(CASE WHEN c.day = b.obs_start - 1 THEN c.idx END) + 1 AS first_idx,
        MAX(CASE WHEN c.day = b.obs_end + 1 THEN c.idx END) - 1 AS last_idx,
        b.obs_start,
        b.obs_end
    FROM bounds AS b
    CROSS JOIN calendar AS c
    GROUP BY b.obs_start, b.obs_end
),
-- uid: a dense integer key, so that the groupings below hash integers, not text
members AS (
    SELECT ROW_NUMBER() OVER (ORDER BY p.user_id) AS uid, p.user_id, p.anchor_day,
           p.anchor_source, c.cohort, c.idx AS anchor_idx
    FROM placed AS p
    JOIN calendar AS c ON c.day = p.anchor_day
),
cohorts AS (
    SELECT
        cohort,
        COUNT(*) AS size,
        MIN(anchor_day) AS min_anchor_day,
        MIN(anchor_idx) AS min_idx,
        MAX(anchor_idx) AS max_idx,
        SUM(CASE WHEN anchor_source = 'signup_date' THEN 1 ELSE 0 END) AS from_signup_date,
        SUM(CASE WHEN anchor_source = 'first_seen' THEN 1 ELSE 0 END) AS from_first_seen,
        SUM(CASE WHEN anchor_source = 'first_event' THEN 1 ELSE 0 END) AS from_first_event
    FROM members
    GROUP BY cohort
),
-- Active days at or after the user's cohort date, inside the observed range.
active_offsets AS (
    SELECT m.uid, m.cohort, c.idx - m.anchor_idx AS off
    FROM user_days AS d
    JOIN members AS m ON m.user_id = d.user_id
    JOIN calendar AS c ON c.day = d.day
    CROSS JOIN bounds AS b
    WHERE d.day >= m.anchor_day
      AND d.day >= b.obs_start
      AND d.day <= b.obs_end
      AND (d.purchased = 1 OR (CAST(:activity AS TEXT) = 'any' AND d.any_active = 1))
    GROUP BY m.uid, m.cohort, c.idx - m.anchor_idx
),
user_span AS (
    SELECT uid, cohort, MIN(off) AS first_off, MAX(off) AS last_off
    FROM active_offsets
    GROUP BY uid, cohort
),
-- Per cohort and offset: users active in it, users whose first / last active offset
-- it is, orders and revenue.
cohort_offsets AS (
    SELECT cohort, off,
           SUM(active_users) AS active_users, SUM(first_users) AS first_users,
           SUM(last_users) AS last_users, SUM(orders) AS orders, SUM(revenue) AS revenue
    FROM (
        SELECT cohort, off, COUNT(*) AS active_users, 0 AS first_users, 0 AS last_users,
               0 AS orders, CAST(0 AS NUMERIC(18, 4)) AS revenue
        FROM active_offsets GROUP BY cohort, off
        UNION ALL
        SELECT cohort, first_off, 0, COUNT(*), 0, 0, 0 FROM user_span GROUP BY cohort, first_off
        UNION ALL
        SELECT cohort, last_off, 0, 0, COUNT(*), 0, 0 FROM user_span GROUP BY cohort, last_off
        UNION ALL
        SELECT m.cohort, c.idx - m.anchor_idx, 0, 0, 0, SUM(md.orders), SUM(md.revenue)
        FROM money_days AS md
        JOIN members AS m ON m.user_id = md.user_id
        JOIN calendar AS c ON c.day = md.day
        CROSS JOIN bounds AS b
        WHERE md.day >= m.anchor_day AND md.day >= b.obs_start AND md.day <= b.obs_end
        GROUP BY m.cohort, c.idx - m.anchor_idx
    ) AS parts
    GROUP BY cohort, off
),
-- The value of one cell before dividing: which offsets it sums and which column.
cells AS (
    SELECT
        k.cohort,
        g.n,
        COALESCE(SUM(
            CASE WHEN (CAST(:kind AS TEXT) = 'classic' AND co.off = g.n)
                   OR (CAST(:kind AS TEXT) = 'rolling' AND co.off >= g.n)
                   OR (CAST(:kind AS TEXT) = 'cumulative' AND co.off <= g.n)
            THEN CASE CAST(:measure AS TEXT)
                WHEN 'users' THEN CASE CAST(:kind AS TEXT)
                    WHEN 'classic' THEN co.active_users
                    WHEN 'rolling' THEN co.last_users
                    ELSE co.first_users
                END
                WHEN 'orders' THEN co.orders
                ELSE co.revenue
            END END
        ), 0) AS numerator,
        COALESCE(SUM(CASE WHEN co.off = 0 THEN
            CASE CAST(:measure AS TEXT) WHEN 'orders' THEN co.orders ELSE co.revenue END
        END), 0) AS period_0
    FROM cohorts AS k
    CROSS JOIN GENERATE_SERIES(0, CAST(:periods AS INTEGER) - 1) AS g(n)
    LEFT JOIN cohort_offsets AS co ON co.cohort = k.cohort
    GROUP BY k.cohort, g.n
),
-- A cell is observable when, for every member of the cohort, the periods it sums lie
-- inside [obs_start, obs_end]: the period must end by obs_end (so a partial last period
-- is censored) and must not start before obs_start. Period 0 only needs the members'
-- own cohort dates to be observed (activity before the cohort date never counts).
-- Ratios to period 0 and cumulative sums also need period 0 observable.
judged AS (
    SELECT
        x.cohort, x.n, x.numerator,
        CASE WHEN CAST(:measure AS TEXT) = 'users' OR CAST(:kind AS TEXT) = 'cumulative'
             THEN k.size ELSE x.period_0 END AS denominator,
        CASE WHEN k.max_idx + x.n <= w.last_idx
              AND (CASE
                     WHEN x.n = 0 OR CAST(:kind AS TEXT) = 'cumulative'
                          OR CAST(:measure AS TEXT) <> 'users'
                     THEN k.min_anchor_day >= w.obs_start
                     ELSE k.min_idx + x.n >= w.first_idx
                   END)
             THEN 1 ELSE 0 END AS observable,
        k.size, k.from_signup_date, k.from_first_seen, k.from_first_event,
        w.obs_start, w.obs_end
    FROM cells AS x
    JOIN cohorts AS k ON k.cohort = x.cohort
    CROSS JOIN window_idx AS w
)
SELECT
    cohort,
    size,
    n AS "offset",
    observable,
    numerator,
    denominator,
    CASE WHEN observable = 1 AND denominator <> 0
         THEN CAST(numerator AS DOUBLE PRECISION) / CAST(denominator AS DOUBLE PRECISION)
    END AS value,
    from_signup_date,
    from_first_seen,
    from_first_event,
    obs_start,
    obs_end
FROM judged
ORDER BY cohort, n
