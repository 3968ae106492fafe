"""The cohort rollup: ``cohort_user_day``, one row per user and day with an event.

A retention matrix needs, per user, the days with activity; grouping ten million events
by user and day is most of the cost of a matrix, and it does not depend on the matrix's
parameters, so it is done once and kept up to date:

- every load refreshes the days it touched (:func:`refresh_after_load`, a post-load
  hook run inside the load's transaction, so the rollup commits or rolls back with it);
- before every matrix, :func:`ensure_fresh` compares a fingerprint of ``events`` (row
  count, first and last time, sum of the event ids) and of ``products`` (count, sum of
  list prices: revenue falls back to them) with the ones the rollup was built from and
  rebuilds it when they differ — which catches rows written without
  :func:`shoplens.ingest.load` (``engine.append_df``, another tool). Rewriting rows in
  place so that every part stays equal is not detected: call :func:`rebuild` after that.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shoplens.engines import Engine, load_sql

if TYPE_CHECKING:
    from shoplens.ingest.hooks import LoadScope

PACKAGE = "shoplens.cohorts"
FINGERPRINT_SQL = (
    "SELECT COUNT(*), MIN(event_time), MAX(event_time), "
    "CAST(COALESCE(SUM(event_id), 0) AS TEXT) FROM events"
)
PRODUCTS_SQL = "SELECT COUNT(*), CAST(COALESCE(SUM(price), 0) AS TEXT) FROM products"
COLUMNS = {
    "cohort_user_day": ["user_id", "day", "events", "active_events", "purchases", "orders",
                        "revenue"],
    "cohort_rollup_state": ["events_fp", "products_fp"],
}


def ensure_tables(engine: Engine) -> None:
    """Create the rollup tables; a table left by an older layout is derived data and is
    dropped and recreated (the next check rebuilds it)."""
    for table, columns in COLUMNS.items():
        if engine.table_exists(table) and engine.columns(table) != columns:
            engine.execute(f"DROP TABLE {table}")
    engine.execute_script(load_sql(PACKAGE, "rollup.sql"))


def fingerprint(engine: Engine, where: str = "", params: dict[str, Any] | None = None
                ) -> tuple[int, Any, Any, str]:
    row = engine.fetch_all(f"{FINGERPRINT_SQL} {where}", params)[0]
    return int(row[0]), _ts(row[1]), _ts(row[2]), _digits(row[3])


def _ts(x: Any) -> datetime | None:
    if x is None:
        return None
    return x if isinstance(x, datetime) else datetime.fromisoformat(str(x))


def _digits(x: Any) -> str:
    # NUMERIC renders as "123" on one engine and "123.0" / "123.000" on another
    text = str(x)
    return text.split(".")[0] if "." in text else text


def _text(fp: tuple[int, Any, Any, str]) -> str:
    return "|".join("" if x is None else str(x) for x in fp)


def products_fingerprint(engine: Engine) -> str:
    n, total = engine.fetch_all(PRODUCTS_SQL)[0]
    return f"{int(n)}|{_money(total)}"


def _money(x: Any) -> str:
    # the same sum prints as "12.5000" on one engine and "12.50" on another
    from decimal import Decimal

    return format(Decimal(str(x)).normalize(), "f")


def _stored(engine: Engine) -> tuple[str, str] | None:
    rows = engine.fetch_all("SELECT events_fp, products_fp FROM cohort_rollup_state")
    return (str(rows[0][0]), str(rows[0][1])) if len(rows) == 1 else None


def _current(engine: Engine, events_fp: tuple[int, Any, Any, str] | None = None
             ) -> tuple[str, str]:
    return _text(events_fp or fingerprint(engine)), products_fingerprint(engine)


def _store(engine: Engine, state: tuple[str, str]) -> None:
    engine.execute("DELETE FROM cohort_rollup_state")
    engine.execute("INSERT INTO cohort_rollup_state (events_fp, products_fp) VALUES (:e, :p)",
                   {"e": state[0], "p": state[1]})


def refresh_days(engine: Engine, first: date, last: date) -> None:
    """Re-derive the rollup rows of days ``first .. last`` (inclusive)."""
    lo = datetime.combine(first, datetime.min.time())
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time())
    for stmt in load_sql(PACKAGE, "rollup_refresh.sql").statements():
        engine.execute(stmt, {"day_lo": lo, "day_hi": hi})


def rebuild(engine: Engine) -> None:
    """Derive the whole rollup again from every event (one transaction)."""
    with engine.transaction():
        ensure_tables(engine)
        engine.execute("DELETE FROM cohort_user_day")
        fp = fingerprint(engine)
        if fp[1] is not None and fp[2] is not None:
            refresh_days(engine, fp[1].date(), fp[2].date())
        _store(engine, _current(engine, fp))


def ensure_fresh(engine: Engine) -> None:
    """The rollup exists and was derived from the events as they are now."""
    with engine.transaction():
        ensure_tables(engine)
        if _stored(engine) != _current(engine):
            rebuild(engine)


def refresh_after_load(engine: Engine, scope: LoadScope) -> None:
    """Post-load hook: refresh the days the load touched, or rebuild when the rollup
    was already behind the events before this load."""
    with engine.transaction():
        ensure_tables(engine)
        if scope.tables and "events" not in scope.tables:
            return
        # products a load adds or changes move the products fingerprint: rebuild then
        before = fingerprint(engine, "WHERE load_id IS NULL OR load_id <> :load",
                             {"load": scope.load_id})
        if _stored(engine) != _current(engine, before):
            rebuild(engine)
            return
        lo, hi = scope.min_time, scope.max_time
        if lo is None or hi is None:
            _, lo, hi, _ = fingerprint(engine, "WHERE load_id = :load", {"load": scope.load_id})
        if lo is not None and hi is not None:
            refresh_days(engine, lo.date(), hi.date())
        _store(engine, _current(engine))
