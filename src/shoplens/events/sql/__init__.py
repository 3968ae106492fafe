"""SQL of the event analyses (PostgreSQL dialect, transpiled by the engine)."""
