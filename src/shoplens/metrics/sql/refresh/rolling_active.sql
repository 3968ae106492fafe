-- Recompute trailing 7/28-day actives for the days [:roll_first, :roll_last].
-- Each active user-day opens an interval [day, min(next active day, day + k)); the
-- intervals of one user never overlap, so the distinct users active in the k days ending
-- on d are the running sum of +1 at each opening and -1 at each close: one sort instead
-- of a k-fold range join. User-days before :scan_lo (= :roll_first - 27) close before
-- :roll_first and are not needed.
DELETE FROM rollup_rolling_active WHERE day >= :roll_first AND day <= :roll_last;
INSERT INTO rollup_rolling_active (day, active_7d, active_28d)
WITH spans AS (
    SELECT day, LEAD(day) OVER (PARTITION BY user_id ORDER BY day) AS next_day
    FROM rollup_user_day
    WHERE day >= :scan_lo AND day <= :roll_last
), deltas AS (
    SELECT day AS at, 1 AS d7, 1 AS d28 FROM spans
    UNION ALL
    SELECT CAST(LEAST(COALESCE(next_day, day + 7), day + 7) AS DATE), -1, 0 FROM spans
    UNION ALL
    SELECT CAST(LEAST(COALESCE(next_day, day + 28), day + 28) AS DATE), 0, -1 FROM spans
), net AS (
    SELECT at, SUM(d7) AS d7, SUM(d28) AS d28 FROM deltas GROUP BY at
), running AS (
    SELECT CAST(g.d AS DATE) AS day,
           SUM(COALESCE(net.d7, 0)) OVER (ORDER BY g.d ROWS UNBOUNDED PRECEDING) AS a7,
           SUM(COALESCE(net.d28, 0)) OVER (ORDER BY g.d ROWS UNBOUNDED PRECEDING) AS a28
    FROM generate_series(CAST(:scan_lo AS TIMESTAMP), CAST(:roll_last AS TIMESTAMP),
                         INTERVAL '1 day') AS g(d)
    LEFT JOIN net ON net.at = CAST(g.d AS DATE)
)
SELECT day, CAST(a7 AS BIGINT), CAST(a28 AS BIGINT)
FROM running
WHERE day >= :roll_first
ORDER BY day;
