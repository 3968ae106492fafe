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
CREATE INDEX IF NOT EXISTS rollup_revenue_day_idx ON rollup_revenue_day (day);
CREATE INDEX IF NOT EXISTS rollup_orders_day_idx ON rollup_orders_day (day) INCLUDE (orders);
