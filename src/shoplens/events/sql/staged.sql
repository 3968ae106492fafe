tagged AS (
    SELECT
        e.event_id,
        e.user_id,
        e.session_id,
        e.event_time,
        e.product_id,
        COALESCE(e.price, p.price) AS price,
        p.category,
        COALESCE(t.stage, 'other') AS stage,
        COALESCE(t.action, 'other') AS action,
        CASE COALESCE(t.stage, 'other')
            WHEN 'browse' THEN 1 WHEN 'consideration' THEN 2 WHEN 'removal' THEN 3
            WHEN 'checkout' THEN 4 WHEN 'conversion' THEN 5 ELSE 6
        END AS stage_rank
    FROM events AS e
    LEFT JOIN event_taxonomy AS t ON t.raw_event = e.raw_event
    LEFT JOIN products AS p ON p.product_id = e.product_id
),
gapped AS (
    SELECT
        tagged.*,
        CASE
            WHEN session_id IS NOT NULL THEN 0
            WHEN LAG(event_time) OVER w IS NULL THEN 1
            WHEN EXTRACT(EPOCH FROM event_time) - EXTRACT(EPOCH FROM LAG(event_time) OVER w)
                 > :gap_seconds THEN 1
            ELSE 0
        END AS new_session
    FROM tagged
    WINDOW w AS (PARTITION BY user_id, session_id ORDER BY event_time, stage_rank, event_id)
),
staged AS (
    -- one session key per (user, session): the tracker's session id where there is one,
    -- else the user's n-th run of events without a gap longer than :gap_seconds
    SELECT
        gapped.*,
        COALESCE(
            'S' || session_id,
            'G' || CAST(SUM(new_session) OVER (
                PARTITION BY user_id, session_id ORDER BY event_time, stage_rank, event_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS TEXT)
        ) AS session_key
    FROM gapped
)
