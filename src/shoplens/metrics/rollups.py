"""Pre-aggregation tables behind the optimized metric queries, maintained incrementally.

Every load runs :func:`refresh_after_load` inside its transaction (listed in
:mod:`shoplens.ingest.hooks`), so the rollups commit or roll back with the rows they
derive from. A refresh rebuilds whole days: the days a load touched are deleted from the
rollups and re-derived from *all* events of those days, so loading a day in two parts,
re-loading it, or loading days out of order gives the same rollups as one load.

Data written without :func:`shoplens.ingest.load` (``engine.append_df`` in tests, say)
is folded in by :func:`rebuild` or :func:`refresh_days`; :func:`ensure_fresh` (run
before every optimized read) rebuilds the rollups when they do not cover every event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shoplens.engines import Engine, Query, load_sql
from shoplens.engines.sql import placeholders
from shoplens.metrics.params import period_bounds

if TYPE_CHECKING:
    from shoplens.ingest.hooks import LoadScope

PACKAGE = "shoplens.metrics"

#: engine-specific access paths, keyed by the engine's SQLGlot dialect. DuckDB needs
#: none: its zone maps (min/max per row group) prune the rollups, which are written in
#: day order, and an ART index would only slow the refresh's delete-and-insert.
OPTIMIZE_DDL: dict[str, str] = {"postgres": "sql/optimize/postgres.sql"}

ROLLUP_TABLES: tuple[str, ...] = (
    "rollup_user_day", "rollup_active_counts", "rollup_rolling_active", "rollup_revenue_day",
    "rollup_orders_day", "rollup_session_funnel", "rollup_user_funnel",
)

#: longest trailing window of the rolling actives, in days
ROLLING_DAYS = 28


def _statements(filename: str) -> list[Query]:
    return load_sql(PACKAGE, filename).statements()


def _run_script(engine: Engine, filename: str, values: Mapping[str, Any]) -> None:
    for stmt in _statements(filename):
        names = placeholders(stmt.sql)
        engine.execute(stmt, {k: values[k] for k in names} or None)


def create_tables(engine: Engine) -> None:
    """Create the rollup tables if missing (idempotent; portable DDL)."""
    engine.execute_script(load_sql(PACKAGE, "sql/rollups.sql"))


def optimize_ddl(engine: Engine) -> Query | None:
    """The engine's extra access paths (indexes), or None where it needs none."""
    filename = OPTIMIZE_DDL.get(engine.dialect)
    return load_sql(PACKAGE, filename) if filename else None


def create_access_paths(engine: Engine) -> None:
    ddl = optimize_ddl(engine)
    if ddl is not None:
        engine.execute_script(ddl, native=True)


def access_path_names(engine: Engine) -> list[str]:
    """Names of the indexes the engine's access-path DDL creates."""
    ddl = optimize_ddl(engine)
    return re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", ddl.sql) if ddl else []


def drop_access_paths(engine: Engine) -> None:
    """Drop the engine's access paths (the benchmark times their build)."""
    for name in access_path_names(engine):
        engine.execute(f"DROP INDEX IF EXISTS {name}")


def ensure(engine: Engine) -> None:
    """Rollup tables and access paths exist (idempotent)."""
    with engine.transaction():
        create_tables(engine)
        create_access_paths(engine)


def _event_span(engine: Engine, where: str = "", params: Mapping[str, Any] | None = None,
                ) -> tuple[datetime | None, datetime | None]:
    row = engine.fetch_all(f"SELECT MIN(event_time), MAX(event_time) FROM events {where}",
                           params)
    return (row[0][0], row[0][1]) if row else (None, None)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _set_state(engine: Engine) -> None:
    count = engine.scalar("SELECT COUNT(*) FROM events")
    engine.execute("DELETE FROM rollup_state")
    engine.execute("INSERT INTO rollup_state (events_covered, built_at) VALUES (:n, :at)",
                   {"n": count, "at": datetime.now(UTC).replace(tzinfo=None)})


def refresh_days(engine: Engine, first: date, last: date, *, full: bool = False) -> None:
    """Re-derive every rollup row that depends on the events of days ``[first, last]``.

    ``full`` (the days span all the data) derives the funnel rows from every event at
    once instead of looking up the sessions and users those days touched.

    Rolling actives are recomputed from ``first`` (or the day after the previous end of
    the data, if that is earlier) to the last day with data, since a day's events reach
    the trailing windows of the 27 days after it.
    """
    with engine.transaction():
        prev_last = engine.scalar("SELECT MAX(day) FROM rollup_rolling_active")
        values: dict[str, Any] = {}
        for grain in ("day", "week", "month"):
            values[f"{grain}_lo"], values[f"{grain}_hi"] = period_bounds(grain, first, last)
        _run_script(engine, "sql/refresh/user_day.sql", values)
        _run_script(engine, "sql/refresh/active_counts.sql", values)
        _run_script(engine, "sql/refresh/revenue_day.sql", values)
        values["time_lo"], values["time_hi"] = values["day_lo"], values["day_hi"]
        suffix = "_full" if full else ""
        _run_script(engine, f"sql/refresh/session_funnel{suffix}.sql", values)
        _run_script(engine, f"sql/refresh/user_funnel{suffix}.sql", values)

        data_last = engine.scalar("SELECT MAX(day) FROM rollup_user_day")
        if data_last is None:
            return
        roll_first = first
        if prev_last is not None:
            roll_first = min(first, _as_date(prev_last) + timedelta(days=1))
        roll_last = _as_date(data_last)
        if roll_first <= roll_last:
            _run_script(engine, "sql/refresh/rolling_active.sql", {
                "roll_first": roll_first, "roll_last": roll_last,
                "scan_lo": roll_first - timedelta(days=ROLLING_DAYS - 1)})


def rebuild(engine: Engine) -> None:
    """Empty the rollups and derive them again from every event (one transaction)."""
    with engine.transaction():
        ensure(engine)
        for table in ROLLUP_TABLES:
            engine.execute(f"DELETE FROM {table}")
        lo, hi = _event_span(engine)
        if lo is not None and hi is not None:
            refresh_days(engine, _as_date(lo), _as_date(hi), full=True)
        _set_state(engine)


def refresh_after_load(engine: Engine, scope: LoadScope) -> None:
    """Post-load hook: fold the days a load touched into the rollups.

    Runs inside the load's transaction. Builds everything on the first call.
    """
    with engine.transaction():
        ensure(engine)
        if not engine.fetch_all("SELECT events_covered FROM rollup_state"):
            rebuild(engine)
            return
        if scope.tables and "events" not in scope.tables:
            _set_state(engine)
            return
        lo, hi = scope.min_time, scope.max_time
        if lo is None or hi is None:
            lo, hi = _event_span(engine, "WHERE load_id = :load", {"load": scope.load_id})
        if lo is not None and hi is not None:
            refresh_days(engine, _as_date(lo), _as_date(hi))
        _set_state(engine)


def is_fresh(engine: Engine) -> bool:
    """Whether the rollups exist and cover every event (reads only; for read-only callers)."""
    if not all(engine.table_exists(t) for t in (*ROLLUP_TABLES, "rollup_state")):
        return False
    state = engine.fetch_all("SELECT events_covered FROM rollup_state")
    return bool(state) and state[0][0] == engine.scalar("SELECT COUNT(*) FROM events")


def ensure_fresh(engine: Engine) -> None:
    """Rollups exist and cover every event; rebuilt from scratch when they do not.

    The hook keeps them current on every load; this only catches events written some
    other way (or before the hook was installed).
    """
    ensure(engine)
    state = engine.fetch_all("SELECT events_covered FROM rollup_state")
    if not state or state[0][0] != engine.scalar("SELECT COUNT(*) FROM events"):
        rebuild(engine)
