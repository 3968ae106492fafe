-- The importers' own bookkeeping (created idempotently by every load).
-- One row per file of a load: how it was recognised and what became of its rows. The
-- size and the SHA-256 of its first MiB find candidates for "already loaded" cheaply; the
-- full SHA-256 decides.
CREATE TABLE IF NOT EXISTS load_files (
    load_id               BIGINT NOT NULL,
    file                  TEXT NOT NULL,
    layout                TEXT NOT NULL,
    size                  BIGINT NOT NULL,
    head_sha256           TEXT NOT NULL,
    sha256                TEXT NOT NULL,
    rows_read             BIGINT NOT NULL,
    rows_loaded           BIGINT NOT NULL,
    rows_quarantined      BIGINT NOT NULL,
    rows_already_present  BIGINT NOT NULL
);
