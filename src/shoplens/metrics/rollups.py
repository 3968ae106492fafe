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

import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shoplens.engines import Engine, Query, load_sql
from shoplens.engines.sql import placeholders
from shoplens.metrics import revenue_rollups
from shoplens.metrics.params import period_bounds

if TYPE_CHECKING:
    from shoplens.ingest.hooks import LoadScope

PACKAGE = "shoplens.metrics"

#: engine-specific access paths, keyed by the engine's SQLGlot dialect. DuckDB needs
#: none: its zone maps (min/max per row group) prune the rollups, which are written in
#: day order, and an ART index would only slow the refresh's delete-and-insert.
OPTIMIZE_DDL: dict[str, str] = {"postgres": "sql/optimize/postgres.sql"}

ROLLUP_TABLES: tuple[str, ...] = (
    "rollup_user_day", "rollup_active_counts", "rollup_rolling_active",
    *revenue_rollups.REVENUE_TABLES,
    "rollup_event_day", "rollup_active_dims", "rollup_dims_pending", "rollup_user_dims",
    "rollup_session_hour",
)

#: longest trailing window of the rolling actives, in days
ROLLING_DAYS = 28
#: after a load, the statistics of a table are gathered again when the rows written
#: since they were last gathered exceed this fraction of its rows (PostgreSQL's
#: autovacuum_analyze_scale_factor): a first load or a large backfill is analyzed, a
#: new day of a half-year's events (3 %) is left to autovacuum
STATISTICS_CHANGED = 0.1


@functools.cache
def statements(filename: str) -> tuple[tuple[Query, frozenset[str]], ...]:
    """The statements of one of the package's SQL files with their placeholders (parsed
    once per process: a refresh runs dozens of statements)."""
    return tuple((stmt, frozenset(placeholders(stmt.sql)))
                 for stmt in load_sql(PACKAGE, filename).statements())


def run_script(engine: Engine, filename: str, values: Mapping[str, Any] | None = None) -> None:
    """Run every statement of ``filename`` with the values its placeholders name."""
    for stmt, names in statements(filename):
        engine.execute(stmt, {k: values[k] for k in names} if names and values else None)


#: the rollups' layout, stored in ``rollup_state``: rollups derived by a version with
#: another layout count as never built (the next load or :func:`ensure_fresh` rebuilds
#: them, the planner reads the raw events until then). 2: quarter rows in
#: ``rollup_revenue_product``
LAYOUT = 2

#: tables whose layout changed: one left by an older version is derived data, dropped
#: and created again (the next read rebuilds it)
LAYOUTS: dict[str, list[str]] = {
    "rollup_user_day": ["day", "user_id", "events", "active_events", "purchases", "orders",
                        "revenue"],
    "rollup_state": ["events_covered", "events_fp", "built_at", "layout"],
    "rollup_revenue_changed": ["product_id", "price_changed"],
    "rollup_revenue_total": ["grain", "period", "orders", "gross", "refunds", "units",
                             "refunded_units"],
    "rollup_event_day": ["day", "raw_event", "event_type", "country", "category", "brand",
                         "events", "revenue", "price", "priced", "quantity"],
    "rollup_session_hour": ["hour_start", "session_id", "user_id", "country", "raw_event",
                            "event_type", "events", "revenue", "price", "priced", "quantity"],
}
FINGERPRINT_SQL = ("SELECT COUNT(*), MIN(event_time), MAX(event_time), "
                   "CAST(COALESCE(SUM(event_id), 0) AS TEXT) FROM events")


def create_tables(engine: Engine) -> None:
    """Create the rollup tables if missing (idempotent; portable DDL).

    A table dropped for its layout, or one a newer version added, starts empty: the
    stored state is cleared then, so the planner reads no rollup until the next load or
    :func:`ensure_fresh` rebuilds them all."""
    stale = engine.table_exists("rollup_state") and not all(
        engine.table_exists(t) for t in ROLLUP_TABLES)
    for table, columns in LAYOUTS.items():
        if engine.table_exists(table) and engine.columns(table) != columns:
            engine.execute(f"DROP TABLE {table}")
            stale = True
    engine.execute_script(load_sql(PACKAGE, "sql/rollups.sql"))
    if stale:
        engine.execute("DELETE FROM rollup_state")


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


def fingerprint(engine: Engine) -> tuple[int, str]:
    """Number of events and a fingerprint of them: count, first and last time, sum of
    the ids (the same on every engine)."""
    n, lo, hi, ids = engine.fetch_all(FINGERPRINT_SQL)[0]
    return int(n), _fingerprint_text(n, lo, hi, ids)


def _fingerprint_text(n: Any, lo: Any, hi: Any, ids: Any) -> str:
    """``count|first time|last time|id sum``, the same text on every engine."""
    ids = str(ids).split(".")[0]  # NUMERIC prints as "123" or "123.0" by engine
    stamp = "|".join("" if x is None else _as_datetime(x).isoformat() for x in (lo, hi))
    return f"{int(n)}|{stamp}|{ids}"


def _as_datetime(x: Any) -> datetime:
    return x if isinstance(x, datetime) else datetime.fromisoformat(str(x))


def _stored(engine: Engine) -> str | None:
    rows = engine.fetch_all("SELECT events_fp FROM rollup_state WHERE layout = :layout",
                            {"layout": LAYOUT})
    return str(rows[0][0]) if len(rows) == 1 else None


def _set_state(engine: Engine, fp: str | None = None) -> None:
    count, fp = fingerprint(engine) if fp is None else (int(fp.split("|")[0]), fp)
    engine.execute("DELETE FROM rollup_state")
    engine.execute("INSERT INTO rollup_state (events_covered, events_fp, built_at, layout) "
                   "VALUES (:n, :fp, :at, :layout)",
                   {"n": count, "fp": fp, "at": datetime.now(UTC).replace(tzinfo=None),
                    "layout": LAYOUT})


def _fingerprint_after_load(engine: Engine, stored: str, scope: LoadScope) -> str | None:
    """The events' fingerprint after a load that only appended the rows tagged with its
    load id within ``[scope.min_time, scope.max_time]``: the stored one (taken before the
    load) combined with those rows' own, read through the time range (a day's blocks,
    not the whole table). None when the load's span is unknown or its id negative.

    Count and id sum add up and the times take the extremes, so a fingerprint already
    stale before the load (events written behind ShopLens' back) stays stale after it.
    """
    if scope.min_time is None or scope.max_time is None or scope.load_id < 0:
        return None  # a negative id: a refresh that appended nothing (taxonomy re-apply)
    n, lo, hi, ids = engine.fetch_all(
        FINGERPRINT_SQL + " WHERE event_time >= :lo AND event_time <= :hi AND load_id = :load",
        {"lo": scope.min_time, "hi": scope.max_time, "load": scope.load_id})[0]
    if not n:
        return stored
    old_n, old_lo, old_hi, old_ids = stored.split("|")
    times = [_as_datetime(x) for x in (lo, hi)]
    if old_lo:
        times += [datetime.fromisoformat(old_lo), datetime.fromisoformat(old_hi)]
    id_sum = int(old_ids) + int(str(ids).split(".")[0])
    return _fingerprint_text(int(old_n) + int(n), min(times), max(times), id_sum)


def refresh_days(engine: Engine, first: date, last: date, *, full: bool = False) -> None:
    """Re-derive every rollup row that depends on the events of days ``[first, last]``.

    ``full`` (the days span all the data) is accepted for callers that rebuild
    everything (the funnel, which once had rollups here, now reads the raw events).

    Rolling actives are recomputed from ``first`` (or the day after the previous end of
    the data, if that is earlier) to the last day with data, since a day's events reach
    the trailing windows of the 27 days after it.
    """
    with engine.transaction():
        prev_last = engine.scalar("SELECT MAX(day) FROM rollup_rolling_active")
        values: dict[str, Any] = {}
        for grain in ("day", "week", "month"):
            values[f"{grain}_lo"], values[f"{grain}_hi"] = period_bounds(grain, first, last)
        run_script(engine, "sql/refresh/user_day.sql", values)
        run_script(engine, "sql/refresh/active_counts.sql", values)
        run_script(engine, "sql/refresh/planner_days.sql", values)
        revenue_rollups.refresh_catalogue(engine)
        revenue_rollups.refresh_days(engine, first, last)

        data_last = engine.scalar("SELECT MAX(day) FROM rollup_user_day")
        if data_last is None:
            return
        roll_first = first
        if prev_last is not None:
            roll_first = min(first, _as_date(prev_last) + timedelta(days=1))
        roll_last = _as_date(data_last)
        if roll_first <= roll_last:
            run_script(engine, "sql/refresh/rolling_active.sql", {
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
        # every row was just derived with the users' current countries (not
        # user_dims.sql: PostgreSQL plans its anti-join on the statistics of the table
        # emptied above, one probe per user, 15 minutes at 10 M events)
        engine.execute("INSERT INTO rollup_user_dims (user_id, country) "
                       "SELECT user_id, country FROM users")
        _set_state(engine)


def refresh_after_load(engine: Engine, scope: LoadScope) -> None:
    """Post-load hook: fold the days a load touched into the rollups.

    Runs inside the load's transaction. Builds everything on the first call.
    """
    with engine.transaction():
        if not scope.tables or "events" in scope.tables:
            # the new days lie past the planner's idea of the events' time range: without
            # this, each day statement below probes the catalogue once per event
            engine.note_appended_range("events", "event_time")
        _refresh_after_load(engine, scope)
        # fresh bulk writes without statistics can get PostgreSQL plans many times
        # slower; a day added to a large table moves no estimate much (autovacuum's rule)
        engine.gather_statistics({*scope.tables, *ROLLUP_TABLES}, min_changed=STATISTICS_CHANGED)


def _refresh_after_load(engine: Engine, scope: LoadScope) -> None:
    ensure(engine)
    stored = _stored(engine)
    if stored is None:
        rebuild(engine)
        return
    # a products file moves revenue between categories, brands and prices; a users
    # file may move users to another country
    revenue_rollups.refresh_catalogue(engine)
    if not scope.tables or "users" in scope.tables:
        run_script(engine, "sql/refresh/user_dims.sql")
    if scope.tables and "events" not in scope.tables:
        _set_state(engine)
        return
    lo, hi = scope.min_time, scope.max_time
    if lo is None or hi is None:
        lo, hi = _event_span(engine, "WHERE load_id = :load", {"load": scope.load_id})
    if lo is not None and hi is not None:
        refresh_days(engine, _as_date(lo), _as_date(hi))
    _set_state(engine, _fingerprint_after_load(engine, stored, scope))


def apply_pending(engine: Engine) -> bool:
    """Derive again the planner rollups' days of the products and users whose catalogue
    values changed since (listed in ``rollup_dims_pending``); True when nothing is left
    pending. A product's days are found in its events, a user's in ``rollup_user_day``.
    """
    if not engine.fetch_all("SELECT 1 FROM rollup_dims_pending"):
        return True
    with engine.transaction():
        days = sorted({_as_date(d) for (d,) in engine.fetch_all(
            "SELECT DISTINCT CAST(event_time AS DATE) FROM events WHERE product_id IN "
            "(SELECT id FROM rollup_dims_pending WHERE kind = 'product') "
            "UNION SELECT DISTINCT day FROM rollup_user_day WHERE user_id IN "
            "(SELECT id FROM rollup_dims_pending WHERE kind = 'user')")})
        for first, last in _runs(days):
            values: dict[str, Any] = {}
            for grain in ("day", "week", "month"):
                values[f"{grain}_lo"], values[f"{grain}_hi"] = period_bounds(grain, first, last)
            run_script(engine, "sql/refresh/planner_days.sql", values)
        engine.execute("DELETE FROM rollup_dims_pending")
    return True


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as ``(first, last)`` runs."""
    out: list[tuple[date, date]] = []
    for d in days:
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def is_fresh(engine: Engine) -> bool:
    """Whether the rollups exist and cover every event (reads only; for read-only callers)."""
    if not all(engine.table_exists(t) for t in (*ROLLUP_TABLES, "rollup_state")):
        return False
    if engine.columns("rollup_state") != LAYOUTS["rollup_state"]:
        return False
    return _stored(engine) == fingerprint(engine)[1]


def ensure_fresh(engine: Engine) -> None:
    """Rollups exist and cover every event; rebuilt from scratch when they do not.

    The hook keeps them current on every load; this only catches events written some
    other way (or before the hook was installed): the fingerprint of ``events`` (count,
    first and last time, sum of the ids) differs from the one stored at the last
    refresh. Rewriting rows in place so that every part stays equal is not noticed:
    call :func:`rebuild` after that.
    """
    ensure(engine)
    if _stored(engine) != fingerprint(engine)[1]:
        rebuild(engine)
    else:
        # products changed without update_catalogue or a load (a direct UPDATE)
        revenue_rollups.refresh_catalogue(engine)
