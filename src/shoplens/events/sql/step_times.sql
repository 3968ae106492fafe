firsts AS (
    SELECT user_id, session_key,
           MIN(CASE WHEN stage = 'browse' THEN event_time END) AS t_browse,
           MIN(CASE WHEN stage = 'consideration' THEN event_time END) AS t_consideration,
           MIN(CASE WHEN stage = 'checkout' THEN event_time END) AS t_checkout,
           MIN(CASE WHEN stage = 'conversion' THEN event_time END) AS t_conversion
    FROM staged
    GROUP BY user_id, session_key
),
pairs AS (
    SELECT 'browse' AS from_stage, 'consideration' AS to_stage,
           EXTRACT(EPOCH FROM t_consideration) - EXTRACT(EPOCH FROM t_browse) AS secs
    FROM firsts WHERE t_consideration >= t_browse
    UNION ALL
    SELECT 'consideration', 'checkout',
           EXTRACT(EPOCH FROM t_checkout) - EXTRACT(EPOCH FROM t_consideration)
    FROM firsts WHERE t_checkout >= t_consideration
    UNION ALL
    SELECT 'checkout', 'conversion',
           EXTRACT(EPOCH FROM t_conversion) - EXTRACT(EPOCH FROM t_checkout)
    FROM firsts WHERE t_conversion >= t_checkout
    UNION ALL
    SELECT 'consideration', 'conversion',
           EXTRACT(EPOCH FROM t_conversion) - EXTRACT(EPOCH FROM t_consideration)
    FROM firsts WHERE t_conversion >= t_consideration
    UNION ALL
    SELECT 'browse', 'conversion',
           EXTRACT(EPOCH FROM t_conversion) - EXTRACT(EPOCH FROM t_browse)
    FROM firsts WHERE t_conversion >= t_browse
)
SELECT from_stage, to_stage, COUNT(*) AS sessions,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY secs) AS median_seconds,
       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY secs) AS p90_seconds,
       AVG(secs) AS mean_seconds
FROM pairs
GROUP BY from_stage, to_stage
ORDER BY from_stage, to_stage
