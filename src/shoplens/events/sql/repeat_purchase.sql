occasions AS (
    -- a purchase occasion is a session with a conversion, at its first conversion
    SELECT user_id, session_key, MIN(event_time) AS t
    FROM staged
    WHERE stage = 'conversion'
    GROUP BY user_id, session_key
),
gaps AS (
    SELECT user_id,
           (EXTRACT(EPOCH FROM t) - EXTRACT(EPOCH FROM LAG(t) OVER (
               PARTITION BY user_id ORDER BY t, session_key))) / 86400.0 AS days
    FROM occasions
)
SELECT
    (SELECT COUNT(DISTINCT user_id) FROM occasions) AS buyers,
    (SELECT COUNT(*) FROM occasions) AS purchase_sessions,
    COUNT(DISTINCT user_id) AS repeat_buyers,
    COUNT(*) AS intervals,
    PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY days) AS p25_days,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days) AS median_days,
    PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY days) AS p75_days,
    AVG(days) AS mean_days
FROM gaps
WHERE days IS NOT NULL
