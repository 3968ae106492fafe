seq AS (
    SELECT stage,
           LEAD(stage) OVER (PARTITION BY user_id, session_key
                             ORDER BY event_time, stage_rank, event_id) AS next_stage
    FROM staged
),
counted AS (
    SELECT stage AS from_stage, COALESCE(next_stage, '(exit)') AS to_stage, COUNT(*) AS n
    FROM seq
    GROUP BY 1, 2
)
SELECT from_stage, to_stage, n,
       CAST(n AS DOUBLE PRECISION) / SUM(n) OVER (PARTITION BY from_stage) AS share
FROM counted
ORDER BY from_stage, to_stage
