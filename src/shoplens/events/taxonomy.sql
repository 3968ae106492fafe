-- Event taxonomy cache: one row per raw event name, as decided by rules, the embedding
-- model, a language model or the user's mapping file. Idempotent.
CREATE TABLE IF NOT EXISTS event_taxonomy (
    raw_event   TEXT PRIMARY KEY,
    stage       TEXT NOT NULL,      -- browse, consideration, removal, checkout, conversion, other
    action      TEXT NOT NULL,      -- finer label inside the stage (cart, wishlist, payment, ...)
    confidence  DOUBLE PRECISION NOT NULL,
    method      TEXT NOT NULL,      -- rule, embedding, llm, user
    unsure      BOOLEAN NOT NULL,   -- true: a guess no layer was sure of
    decided_by  TEXT,               -- which rule, model or file
    updated_at  TIMESTAMP NOT NULL
);
