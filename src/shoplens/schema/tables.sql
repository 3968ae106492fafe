-- ShopLens portable schema (PostgreSQL dialect; SQLGlot renders it for each engine).
-- Every statement is idempotent: running the file again changes nothing.

CREATE TABLE IF NOT EXISTS users (
    user_id      TEXT PRIMARY KEY,
    signup_date  DATE,            -- NULL where the source has no signup (REES46): use first_seen
    country      TEXT,
    first_seen   TIMESTAMP,       -- first event or order of the user, maintained by loads
    load_id      BIGINT
);

CREATE TABLE IF NOT EXISTS products (
    product_id   TEXT PRIMARY KEY,
    category     TEXT,            -- dotted path where the source has one (electronics.smartphone)
    category_id  TEXT,
    price        NUMERIC(18, 4),  -- list price; events carry the price paid where known
    brand        TEXT,
    name         TEXT,
    load_id      BIGINT
);

CREATE TABLE IF NOT EXISTS sessions (
    session_id     TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    session_start  TIMESTAMP NOT NULL,
    session_end    TIMESTAMP NOT NULL,
    n_events       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    event_id     BIGINT NOT NULL,  -- deterministic hash of the source row: re-loads add nothing
    user_id      TEXT NOT NULL,
    session_id   TEXT,
    event_type   TEXT,             -- canonical type, NULL where unknown
    raw_event    TEXT NOT NULL,    -- the name as the source spelled it
    product_id   TEXT,
    price        NUMERIC(18, 4),
    quantity     INTEGER NOT NULL DEFAULT 1,
    event_time   TIMESTAMP NOT NULL,
    properties   TEXT,             -- JSON object of a tracker's extra columns
    load_id      BIGINT
);

CREATE TABLE IF NOT EXISTS orders (
    order_id     TEXT PRIMARY KEY,
    user_id      TEXT,             -- NULL only for guest orders loaded on request
    order_time   TIMESTAMP NOT NULL,
    country      TEXT,
    is_refund    BOOLEAN NOT NULL, -- cancellation invoice (UCI: number starts with C)
    load_id      BIGINT
);

CREATE TABLE IF NOT EXISTS order_items (
    item_id      BIGINT NOT NULL,  -- deterministic hash of the source line
    order_id     TEXT NOT NULL,
    line_no      INTEGER NOT NULL,
    product_id   TEXT NOT NULL,
    description  TEXT,
    quantity     INTEGER NOT NULL, -- positive; refunds are flagged, not negative
    unit_price   NUMERIC(18, 4) NOT NULL,
    is_refund    BOOLEAN NOT NULL,
    load_id      BIGINT
);

CREATE TABLE IF NOT EXISTS search_logs (
    search_id            BIGINT NOT NULL,
    user_id              TEXT NOT NULL,
    search_query         TEXT NOT NULL,
    clicked_product_ids  TEXT[],
    ts                   TIMESTAMP NOT NULL,
    load_id              BIGINT
);

-- One row per load: what was read, how much was loaded and quarantined.
CREATE TABLE IF NOT EXISTS loads (
    load_id           BIGINT PRIMARY KEY,
    source            TEXT NOT NULL,
    format            TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    rows_read         BIGINT NOT NULL DEFAULT 0,
    rows_loaded       BIGINT NOT NULL DEFAULT 0,
    rows_quarantined  BIGINT NOT NULL DEFAULT 0,
    rows_duplicate    BIGINT NOT NULL DEFAULT 0,
    warnings          TEXT
);

-- Rejected rows with the reason, never silently dropped.
CREATE TABLE IF NOT EXISTS quarantine (
    load_id   BIGINT NOT NULL,
    file      TEXT NOT NULL,
    line      BIGINT,
    field     TEXT,
    reason    TEXT NOT NULL,
    raw       TEXT
);
