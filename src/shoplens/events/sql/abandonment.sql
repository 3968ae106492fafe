per_session AS (
    SELECT user_id, session_key,
           MAX(CASE WHEN action = 'cart' THEN 1 ELSE 0 END) AS carted,
           MAX(CASE WHEN stage = 'conversion' THEN 1 ELSE 0 END) AS converted,
           MAX(event_time) AS ended
    FROM staged
    GROUP BY user_id, session_key
),
conversions AS (
    SELECT user_id, session_key, MIN(event_time) AS t
    FROM staged
    WHERE stage = 'conversion'
    GROUP BY user_id, session_key
),
abandoned AS (
    SELECT user_id, session_key, ended FROM per_session WHERE carted = 1 AND converted = 0
),
recovered AS (
    -- the same user converts in a later session within :recovery_seconds
    SELECT a.user_id, a.session_key,
           MIN(EXTRACT(EPOCH FROM c.t) - EXTRACT(EPOCH FROM a.ended)) AS secs
    FROM abandoned AS a
    JOIN conversions AS c
      ON c.user_id = a.user_id
     AND c.t > a.ended
     AND EXTRACT(EPOCH FROM c.t) - EXTRACT(EPOCH FROM a.ended) <= :recovery_seconds
    GROUP BY a.user_id, a.session_key
)
SELECT
    (SELECT COUNT(*) FROM per_session WHERE carted = 1) AS cart_sessions,
    (SELECT COUNT(*) FROM per_session WHERE carted = 1 AND converted = 1) AS converted_cart_sessions,
    (SELECT COUNT(*) FROM abandoned) AS abandoned_sessions,
    (SELECT COUNT(*) FROM recovered) AS recovered_sessions,
    (SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY secs) FROM recovered) / 3600.0
        AS median_hours_to_recovery
