-- Segmentation results (owned by shoplens.segments; created idempotently by store.py).
CREATE TABLE IF NOT EXISTS user_segments (
    user_id      TEXT PRIMARY KEY,
    segment      TEXT NOT NULL,
    cluster      INTEGER NOT NULL,
    method       TEXT NOT NULL,
    rfm_segment  TEXT NOT NULL,
    r_score      INTEGER,
    f_score      INTEGER,
    m_score      INTEGER,
    traits       TEXT NOT NULL,     -- JSON list of the segment's traits
    run_id       TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS segment_runs (
    run_id       TEXT PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL,
    method       TEXT NOT NULL,
    k            INTEGER NOT NULL,
    seed         INTEGER NOT NULL,
    n_users      BIGINT NOT NULL,
    summary      TEXT NOT NULL      -- JSON: parameters and segment profiles
);
