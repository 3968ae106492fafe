"""Compose the event-analysis queries: the shared staged-events CTEs, then one body.

Both parts are static SQL shipped in :mod:`shoplens.events.sql`; values are bound.
"""

from __future__ import annotations

import functools

from shoplens.engines import Query, load_sql


@functools.cache
def staged_query(name: str) -> Query:
    """``WITH <staged.sql>, <name>.sql-CTEs SELECT ...`` as one query."""
    staged = load_sql("shoplens.events.sql", "staged.sql").sql.strip().rstrip(",")
    body = load_sql("shoplens.events.sql", f"{name}.sql").sql.strip().rstrip(";")
    joiner = " " if body.upper().startswith("SELECT") else ",\n"
    return Query(f"WITH {staged}{joiner}{body}", name=f"events/{name}.sql")
