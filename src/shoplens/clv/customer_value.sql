-- Customer value written back by shoplens.clv (portable DDL, idempotent): one row per
-- customer of the latest run, replaced as a whole by each run.
CREATE TABLE IF NOT EXISTS customer_value (
    user_id              TEXT PRIMARY KEY,
    frequency            BIGINT NOT NULL,      -- repeat purchase days up to as_of
    recency              DOUBLE PRECISION NOT NULL,  -- in time_unit
    t                    DOUBLE PRECISION NOT NULL,  -- in time_unit
    monetary_value       DOUBLE PRECISION,     -- mean value of repeat purchase days
    expected_purchases   DOUBLE PRECISION NOT NULL,  -- over horizon_days after as_of
    p_alive              DOUBLE PRECISION NOT NULL,
    expected_spend       DOUBLE PRECISION NOT NULL,  -- Gamma-Gamma mean order value
    clv                  DOUBLE PRECISION NOT NULL,  -- discounted, over the horizon
    churn_risk           BOOLEAN NOT NULL,
    model                TEXT NOT NULL,
    time_unit            TEXT NOT NULL,
    horizon_days         DOUBLE PRECISION NOT NULL,
    as_of                DATE NOT NULL,
    run_id               TEXT NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
