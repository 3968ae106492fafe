CREATE TEMPORARY TABLE IF NOT EXISTS shoplens_staged_events (
    event_id     BIGINT,
    user_id      TEXT,
    session_id   TEXT,
    event_time   TIMESTAMP,
    product_id   TEXT,
    price        NUMERIC(18, 4),
    category     TEXT,
    stage        TEXT,
    action       TEXT,
    stage_rank   INTEGER,
    new_session  INTEGER,
    session_key  TEXT
)
