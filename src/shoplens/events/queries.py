"""Compose the event-analysis queries: the shared staged-events CTEs, then one body.

Both parts are static SQL shipped in :mod:`shoplens.events.sql`; values are bound.
Several analyses in a row can share one materialised copy of the staged events
(:func:`staged_events`), which saves computing the session windows once per query.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shoplens.engines import Engine, Query, load_sql
from shoplens.engines.sql import placeholders
from shoplens.errors import UnsupportedOperationError

STAGED_TABLE = "shoplens_staged_events"
_COLUMNS = ("event_id, user_id, session_id, event_time, product_id, price, category, stage, "
            "action, stage_rank, new_session, session_key")


@functools.cache
def _placeholders(sql: str) -> frozenset[str]:
    return frozenset(placeholders(sql))


@functools.cache
def _staged_ctes() -> str:
    return load_sql("shoplens.events.sql", "staged.sql").sql.strip().rstrip(",")


@functools.cache
def staged_query(name: str, *, materialized: bool = False) -> Query:
    """``WITH <staged CTEs>, <name>.sql`` as one query; with ``materialized`` the staged
    events are read from the temporary table :data:`STAGED_TABLE` instead."""
    staged = (f"staged AS (SELECT {_COLUMNS} FROM {STAGED_TABLE})" if materialized
              else _staged_ctes())
    body = load_sql("shoplens.events.sql", f"{name}.sql").sql.strip().rstrip(";")
    joiner = " " if body.upper().startswith("SELECT") else ",\n"
    return Query(f"WITH {staged}{joiner}{body}", name=f"events/{name}.sql")


@dataclass
class Staged:
    """Where the analyses read staged events from, and the parameters that shaped them."""

    binds: dict[str, Any]
    materialized: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def query(self, name: str) -> Query:
        return staged_query(name, materialized=self.materialized)

    def fetch_all(self, engine: Engine, name: str,
                  extra: dict[str, Any] | None = None) -> list[tuple]:
        """Rows of query ``name``, binding the parameters it names (and only those)."""
        q = self.query(name)
        wanted = _placeholders(q.sql)
        params = {k: v for k, v in {**self.binds, **(extra or {})}.items() if k in wanted}
        return engine.fetch_all(q, params or None)


@contextlib.contextmanager
def staged_events(engine: Engine, binds: dict[str, Any], *,
                  materialize: bool = True) -> Iterator[Staged]:
    """Materialise the staged events once in a temporary table for several analyses.

    Falls back to computing them inside every query where the engine has no temporary
    tables (the analyses return the same numbers either way).
    """
    if not materialize:
        yield Staged(binds)
        return
    try:
        engine.execute(f"DROP TABLE IF EXISTS {STAGED_TABLE}")
        engine.execute(load_sql("shoplens.events.sql", "staged_table.sql"))
        select = Query(f"WITH {_staged_ctes()} SELECT {_COLUMNS} FROM staged")
        engine.execute(Query(f"INSERT INTO {STAGED_TABLE} ({_COLUMNS}) {select.sql}"), binds)
    except UnsupportedOperationError:
        yield Staged(binds)
        return
    try:
        yield Staged(binds, materialized=True)
    finally:
        engine.execute(f"DROP TABLE IF EXISTS {STAGED_TABLE}")
