-- Pre-aggregation tables of the metrics (portable DDL, PostgreSQL dialect). Each is
-- maintained incrementally by shoplens.metrics.rollups after every load; every statement
-- is idempotent.

-- The cohorts' own user-day rollup, now rollup_user_day (derived data).
DROP TABLE IF EXISTS cohort_user_day;
DROP TABLE IF EXISTS cohort_rollup_state;

-- One row per user and day with at least one event: the base of every active-user
-- count, of the cohort matrices (shoplens.cohorts) and of the planner's distinct users.
CREATE TABLE IF NOT EXISTS rollup_user_day (
    day            DATE NOT NULL,
    user_id        TEXT NOT NULL,
    events         BIGINT NOT NULL,  -- every event of the user that day
    active_events  BIGINT NOT NULL,  -- events that are not refunds (NULL types count)
    purchases      BIGINT NOT NULL,  -- purchase events
    orders         BIGINT NOT NULL,  -- distinct purchase timestamps
    revenue        NUMERIC(38, 4)    -- purchases minus refunds; NULL: no priced money
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

-- Replaced by the tables below (derived data: nothing is lost).
DROP TABLE IF EXISTS rollup_revenue_day;
DROP TABLE IF EXISTS rollup_orders_day;

-- Revenue at the grain each question needs, so that no read joins the catalogue or sums
-- more rows than it returns. Money is exact NUMERIC; "revenue" is net (purchases minus
-- refunds); a line's value is price x quantity with the event's own price or, where it
-- has none, the product's list price. Category and brand are the catalogue's values the
-- rollups were derived with (rollup_revenue_catalogue): a catalogue change re-derives
-- the rows of the products, categories and brands it touches (shoplens.metrics.revenue_rollups).

-- Per product, per day and per calendar month (grain = day|month). The priced_* and
-- unpriced_* columns do not depend on the catalogue; gross and refunds apply its list
-- price to the unpriced units.
CREATE TABLE IF NOT EXISTS rollup_revenue_product (
    grain                  TEXT NOT NULL,
    period                 DATE NOT NULL,
    product_id             TEXT,
    priced_gross           NUMERIC(38, 4) NOT NULL,
    priced_refunds         NUMERIC(38, 4) NOT NULL,
    unpriced_units         BIGINT NOT NULL,
    unpriced_refund_units  BIGINT NOT NULL,
    units                  BIGINT NOT NULL,
    refunded_units         BIGINT NOT NULL,
    gross                  NUMERIC(38, 4) NOT NULL,
    refunds                NUMERIC(38, 4) NOT NULL
);

-- Per category: day, Monday week and calendar month. A product without a category
-- (unknown to the catalogue, NULL or blank) counts under '(no category)'.
CREATE TABLE IF NOT EXISTS rollup_revenue_category (
    grain           TEXT NOT NULL,
    period          DATE NOT NULL,
    category        TEXT NOT NULL,
    revenue         NUMERIC(38, 4) NOT NULL,
    units           BIGINT NOT NULL,
    refunded_units  BIGINT NOT NULL
);

-- Per brand (NULL: no brand), per day and per calendar month.
CREATE TABLE IF NOT EXISTS rollup_revenue_brand (
    grain    TEXT NOT NULL,
    period   DATE NOT NULL,
    brand    TEXT,
    revenue  NUMERIC(38, 4) NOT NULL,
    units    BIGINT NOT NULL
);

-- Period totals, per day and per calendar month: orders (one user's purchases in one
-- session on one day; an order never spans two days, so days add up), gross, refunds.
CREATE TABLE IF NOT EXISTS rollup_revenue_total (
    grain    TEXT NOT NULL,
    period   DATE NOT NULL,
    orders   BIGINT NOT NULL,
    gross    NUMERIC(38, 4) NOT NULL,
    refunds  NUMERIC(38, 4) NOT NULL,
    units    BIGINT NOT NULL,
    refunded_units BIGINT NOT NULL
);

-- The catalogue as the revenue rollups saw it: one row per product with revenue rows.
-- A refresh compares it with `products` to find what a catalogue change touched.
CREATE TABLE IF NOT EXISTS rollup_revenue_catalogue (
    product_id  TEXT NOT NULL,
    category    TEXT NOT NULL,
    brand       TEXT,
    price       NUMERIC(18, 4)
);

-- Scratch lists of a catalogue refresh: changed products and the keys they touch.
CREATE TABLE IF NOT EXISTS rollup_revenue_changed (
    product_id     TEXT NOT NULL,
    price_changed  BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_revenue_keys (
    kind   TEXT NOT NULL,
    label  TEXT NOT NULL
);

-- The insight planner's rollups (shoplens.insights.planner): events per UTC day and
-- the common dimensions a query filters or breaks down by (event name and type, the
-- user's country, the product's category and brand), with the sums a trends query asks
-- for; and distinct users per day, Monday week and month and country. Each value is the
-- same expression the raw compile uses (shoplens.insights.properties).
CREATE TABLE IF NOT EXISTS rollup_event_day (
    day         DATE NOT NULL,
    raw_event   TEXT NOT NULL,
    event_type  TEXT,
    country     TEXT,
    category    TEXT,
    brand       TEXT,
    events      BIGINT NOT NULL,
    revenue     NUMERIC(38, 4),  -- event.revenue summed (NULL: none)
    price       NUMERIC(38, 4),  -- event.price summed
    priced      BIGINT NOT NULL, -- events with an event.price (avg = price / priced)
    quantity    BIGINT           -- event.quantity summed
);
CREATE TABLE IF NOT EXISTS rollup_active_dims (
    grain    TEXT NOT NULL,
    period   DATE NOT NULL,
    country  TEXT,
    users    BIGINT NOT NULL,
    events   BIGINT NOT NULL
);
-- Events per UTC hour, session, user and event name and type, with the sums of
-- rollup_event_day: distinct users and sessions of any event over any whole hours,
-- filtered and broken down by the event, the hour's time parts, the user's country
-- (kept like rollup_event_day's: a changed country re-derives the user's days) and,
-- joined at read time, the user's and the session's other properties (about a fifth
-- of the events).
CREATE TABLE IF NOT EXISTS rollup_session_hour (
    hour_start  TIMESTAMP NOT NULL,  -- the UTC hour (DATE_TRUNC)
    session_id  TEXT,
    user_id     TEXT NOT NULL,
    country     TEXT,
    raw_event   TEXT NOT NULL,
    event_type  TEXT,
    events      BIGINT NOT NULL,
    revenue     NUMERIC(38, 4),
    price       NUMERIC(38, 4),
    priced      BIGINT NOT NULL,
    quantity    BIGINT
);
-- The users' country as the planner's rollups saw it (a load may change it).
CREATE TABLE IF NOT EXISTS rollup_user_dims (
    user_id  TEXT NOT NULL,
    country  TEXT
);
-- Products and users whose catalogue values changed since the planner's rollups were
-- derived: the days they touch are derived again before the planner reads them.
CREATE TABLE IF NOT EXISTS rollup_dims_pending (
    kind  TEXT NOT NULL,
    id    TEXT NOT NULL
);

-- What the rollups cover: the number of events folded in and a fingerprint of them
-- (count, first and last time, sum of the ids), so writes that bypass a load are noticed,
-- and the layout they were derived in (another layout: rebuilt).
CREATE TABLE IF NOT EXISTS rollup_state (
    events_covered  BIGINT NOT NULL,
    events_fp       TEXT NOT NULL,
    built_at        TIMESTAMP NOT NULL,
    layout          INTEGER NOT NULL  -- shoplens.metrics.rollups.LAYOUT of the rollups
);

