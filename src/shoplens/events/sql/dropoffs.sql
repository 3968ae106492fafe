per_session AS (
    SELECT user_id, session_key,
           MAX(CASE WHEN stage IN ('browse', 'consideration', 'checkout', 'conversion')
                    THEN stage_rank END) AS deepest,
           MAX(CASE WHEN stage = 'conversion' THEN 1 ELSE 0 END) AS converted
    FROM staged
    GROUP BY user_id, session_key
)
SELECT
    CASE deepest WHEN 1 THEN 'browse' WHEN 2 THEN 'consideration' WHEN 4 THEN 'checkout'
                 WHEN 5 THEN 'conversion' ELSE '(no funnel step)' END AS deepest_stage,
    converted,
    COUNT(*) AS sessions
FROM per_session
GROUP BY 1, 2
ORDER BY 1, 2
