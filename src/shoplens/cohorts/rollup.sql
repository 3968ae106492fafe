-- The cohort rollup (portable DDL, PostgreSQL dialect; idempotent): one row per user and
-- day with an event, so that a retention matrix reads ~1 row per user-day instead of
-- every event. Maintained by shoplens.cohorts.rollup after each load and checked
-- against a fingerprint of `events` and `products` before each matrix.
CREATE TABLE IF NOT EXISTS cohort_user_day (
    user_id        TEXT NOT NULL,
    day            DATE NOT NULL,
    events         BIGINT NOT NULL,  -- every event of the user that day
    active_events  BIGINT NOT NULL,  -- events that are not refunds (NULL types count)
    purchases      BIGINT NOT NULL,  -- purchase events
    orders         BIGINT NOT NULL,  -- distinct purchase timestamps
    revenue        NUMERIC(38, 4)    -- purchases minus refunds; NULL: no priced money
);

-- The fingerprints of `events` and `products` the rollup was derived from (one row).
CREATE TABLE IF NOT EXISTS cohort_rollup_state (
    events_fp    TEXT NOT NULL,
    products_fp  TEXT NOT NULL
);
