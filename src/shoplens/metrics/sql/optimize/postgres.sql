-- PostgreSQL-only access paths for the metrics (native SQL; idempotent). Each is named
-- for the plan node it replaces; docs/sql-optimization.md shows the plans.

-- Incremental refreshes read one day of events: a BRIN index on the append-ordered event
-- time turns the full sequential scan into a bitmap scan of a few block ranges (a few
-- kilobytes of index for millions of rows).
CREATE INDEX IF NOT EXISTS events_time_brin ON events USING brin (event_time)
    WITH (pages_per_range = 32);

-- (No partial index on purchases: the revenue refresh of one day is already a BRIN
-- bitmap scan, and such an index would also serve the naive revenue queries, hiding
-- what the rollups change; docs/sql-optimization.md.)

-- Rollups: keys for the delete-and-reinsert of a refresh and for the metric reads; the
-- INCLUDE columns make each metric read an index-only scan.
CREATE INDEX IF NOT EXISTS rollup_user_day_idx ON rollup_user_day (day, user_id);
CREATE INDEX IF NOT EXISTS rollup_active_counts_idx ON rollup_active_counts (grain, period)
    INCLUDE (users);
CREATE INDEX IF NOT EXISTS rollup_rolling_active_idx ON rollup_rolling_active (day)
    INCLUDE (active_7d, active_28d);
CREATE INDEX IF NOT EXISTS rollup_revenue_product_idx ON rollup_revenue_product (grain, period)
    INCLUDE (product_id, gross, refunds, units);
CREATE INDEX IF NOT EXISTS rollup_revenue_product_key ON rollup_revenue_product (product_id);
CREATE INDEX IF NOT EXISTS rollup_revenue_category_idx ON rollup_revenue_category (grain, period)
    INCLUDE (category, revenue, units, refunded_units);
CREATE INDEX IF NOT EXISTS rollup_revenue_brand_idx ON rollup_revenue_brand (grain, period)
    INCLUDE (brand, revenue, units);
CREATE INDEX IF NOT EXISTS rollup_revenue_total_idx ON rollup_revenue_total (grain, period)
    INCLUDE (orders, gross, refunds);
CREATE INDEX IF NOT EXISTS rollup_revenue_catalogue_key ON rollup_revenue_catalogue (product_id);
CREATE INDEX IF NOT EXISTS rollup_event_day_idx ON rollup_event_day (day);
CREATE INDEX IF NOT EXISTS rollup_session_hour_idx ON rollup_session_hour (hour_start);
CREATE INDEX IF NOT EXISTS rollup_active_dims_idx ON rollup_active_dims (grain, period)
    INCLUDE (country, users, events);
CREATE INDEX IF NOT EXISTS rollup_user_dims_key ON rollup_user_dims (user_id);
