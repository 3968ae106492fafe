-- Pre-aggregation tables of the metrics (portable DDL, PostgreSQL dialect). Each is
-- maintained incrementally by shoplens.metrics.rollups after every load; every statement
-- is idempotent.

-- One row per user and day with at least one event: the base of every active-user count.
CREATE TABLE IF NOT EXISTS rollup_user_day (
    day      DATE NOT NULL,
    user_id  TEXT NOT NULL,
    events   BIGINT NOT NULL
);

-- Distinct active users per day, Monday week and calendar month (grain = day|week|month).
CREATE TABLE IF NOT EXISTS rollup_active_counts (
    grain    TEXT NOT NULL,
    period   DATE NOT NULL,
    users    BIGINT NOT NULL
);

-- Trailing 7- and 28-day distinct actives for every day of the data span.
CREATE TABLE IF NOT EXISTS rollup_rolling_active (
    day         DATE NOT NULL,
    active_7d   BIGINT NOT NULL,
    active_28d  BIGINT NOT NULL
);

-- Purchases and refunds per day and product. Value with the event's own price is summed
-- here; units without one are kept as units and priced at query time with the catalogue's
-- list price, so reloading products never makes this table stale.
CREATE TABLE IF NOT EXISTS rollup_revenue_day (
    day                    DATE NOT NULL,
    product_id             TEXT,
    priced_gross           NUMERIC(38, 4) NOT NULL,
    priced_refunds         NUMERIC(38, 4) NOT NULL,
    unpriced_units         BIGINT NOT NULL,
    unpriced_refund_units  BIGINT NOT NULL,
    units                  BIGINT NOT NULL,
    refunded_units         BIGINT NOT NULL
);

-- Orders per day (an order: one user's purchases in one session on one day).
CREATE TABLE IF NOT EXISTS rollup_orders_day (
    day     DATE NOT NULL,
    orders  BIGINT NOT NULL
);

-- What the rollups cover: the number of events folded in.
CREATE TABLE IF NOT EXISTS rollup_state (
    events_covered  BIGINT NOT NULL,
    built_at        TIMESTAMP NOT NULL
);

