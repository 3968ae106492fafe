ordered AS (
    SELECT
        user_id, session_key, stage,
        LAG(stage) OVER (PARTITION BY user_id, session_key
                         ORDER BY event_time, stage_rank, event_id) AS prev_stage,
        ROW_NUMBER() OVER (PARTITION BY user_id, session_key
                           ORDER BY event_time, stage_rank, event_id) AS rn
    FROM staged
),
steps AS (
    -- consecutive events of one stage are one step
    SELECT user_id, session_key, stage,
           ROW_NUMBER() OVER (PARTITION BY user_id, session_key ORDER BY rn) AS step
    FROM ordered
    WHERE prev_stage IS NULL OR prev_stage <> stage
),
paths AS (
    SELECT user_id, session_key,
           STRING_AGG(stage, ' > ' ORDER BY step) AS path,
           COUNT(*) AS n_steps
    FROM steps
    WHERE step <= :n_steps
    GROUP BY user_id, session_key
)
SELECT
    path || CASE WHEN n_steps < :n_steps THEN ' > (exit)' ELSE '' END AS path,
    COUNT(*) AS sessions
FROM paths
GROUP BY 1
ORDER BY sessions DESC, path
LIMIT :top
