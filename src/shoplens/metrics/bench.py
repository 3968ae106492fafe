"""The benchmark: every metric's naive and optimized form, timed side by side.

:func:`run_bench` optionally fills a fresh schema with about ``events`` generated events,
builds the optimization (access paths, then rollups) and times it, times a one-day
incremental refresh (rolled back afterwards), saves the executed plan of both forms of
every metric, then reads each form once untimed and times its next reads (``repeat``, or
as many as take ``read_seconds``; :mod:`shoplens.metrics.bench_timing`) and checks that
both return identical rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.ingest.hooks import LoadScope
from shoplens.insights.schema import TrendsQuery
from shoplens.metrics import rollups
from shoplens.metrics.bench_report import BenchReport, BenchRow, OptimizationCost
from shoplens.metrics.bench_timing import bench_query
from shoplens.metrics.compute import data_span
from shoplens.metrics.params import period_bounds
from shoplens.metrics.queries import METRIC_QUERY_NAMES, metric_query

#: per-dialect statements that refresh planner statistics after a bulk build
#: (PostgreSQL's VACUUM also sets the visibility map that index-only scans need)
MAINTENANCE: dict[str, tuple[str, ...]] = {
    "postgres": ("VACUUM (ANALYZE)",),
    "duckdb": ("CHECKPOINT",),
}

#: per-dialect size of one relation in bytes; ``{t}`` is one of our own table names
_SIZE_SQL: dict[str, str] = {
    "postgres": "SELECT pg_total_relation_size(CAST('{t}' AS regclass))",
    "duckdb": "SELECT COUNT(DISTINCT block_id) * 262144 FROM pragma_storage_info('{t}') "
              "WHERE block_id >= 0",
}
#: per-dialect (name, value) of the server settings the timings depend on, printed
#: beside the results
_SETTINGS_SQL: dict[str, str] = {
    "postgres": "SELECT name, setting || COALESCE(' ' || unit, '') FROM pg_settings "
                "WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit', "
                "'jit_above_cost', 'max_parallel_workers_per_gather', 'random_page_cost', "
                "'server_version') UNION ALL "
                "SELECT 'jit (available)', CAST(pg_jit_available() AS TEXT) ORDER BY 1",
    "duckdb": "SELECT name, value FROM duckdb_settings() "
              "WHERE name IN ('threads', 'memory_limit') ORDER BY name",
}
_INDEX_SIZE_SQL: dict[str, str] = {
    "postgres": "SELECT pg_relation_size(CAST('{t}' AS regclass))",
}


#: insight queries timed in both forms beside the metrics: the raw statement (naive) and
#: the planner's statement over the rollups (optimized); see shoplens.insights.planner
BREAKDOWN_QUERIES: dict[str, dict[str, Any]] = {
    "wau_by_country": {"series": [{"math": "unique_users"}], "interval": "week",
                       "breakdowns": [{"property": "user.country", "limit": 10}]},
    "revenue_by_category_weekly": {
        "series": [{"event": "action:purchase", "math": "sum", "math_property": "revenue"}],
        "interval": "week", "breakdowns": [{"property": "product.category"}]},
    "purchases_by_brand_in_fr": {
        "series": [{"event": "action:purchase"}], "interval": "month",
        "filters": [{"property": "user.country", "value": "FR"}],
        "breakdowns": [{"property": "product.brand", "limit": 5}]},
}


class BenchParams(BaseModel):
    """What to benchmark.

    Parameters
    ----------
    events
        Generate and load about this many events into a fresh schema first; ``None``
        benchmarks the data already loaded.
    repeat
        Timed reads of each form at least, after one untimed warm-up read.
    read_seconds
        After ``repeat`` reads, a form is read again while its timed reads took less than
        this in all (the median of many reads; 0: exactly ``repeat``), for the naive and
        the optimized form alike.
    plans
        Folder for the executed plans (``<engine>/<metric>.<form>.txt``); None: not saved.
    metrics
        Names of the metrics to run (default: all).
    days
        Simulated length of generated data, in days.
    rolling_days
        The rolling-actives pair is timed over the last ``rolling_days`` days of the
        data: its naive form joins every day to 28 days of raw events, so its cost grows
        with days × events and a whole-year range would dominate the run.
    synthetic
        Write the generated data with the vectorized writer of
        :mod:`shoplens.metrics.synthetic` instead of :mod:`shoplens.generate` plus the
        importer (ten times faster; what the benchmark measures is the queries).
    seed
        Seed of the generated data.
    keep
        Keep the generated schema afterwards.
    naive_timeout_s
        Stop a naive statement after this many seconds where the engine can
        (:data:`~shoplens.metrics.bench_timing.TIMEOUT_SQL`): its time is then reported
        as the timeout, a lower bound, and its rows are not compared.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: int | None = Field(None, ge=100, le=2_000_000_000)
    repeat: int = Field(5, ge=1, le=1000)
    read_seconds: float = Field(1.0, ge=0, le=60)
    plans: Path | None = None
    metrics: tuple[str, ...] | None = None
    days: int = Field(182, ge=7, le=3660)
    rolling_days: int = Field(7, ge=1)
    synthetic: bool = False
    seed: int = 42
    keep: bool = False
    naive_timeout_s: float | None = Field(None, gt=0)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _fresh_schema(engine: Engine) -> str:
    """Create an empty schema with the ShopLens tables and make it current."""
    name = f"shoplens_bench_{datetime.now():%Y%m%d_%H%M%S_%f}"
    engine.execute(f"CREATE SCHEMA {name}")
    # SET SCHEMA is spelled the same on PostgreSQL (an alias of search_path) and DuckDB.
    engine.execute(f"SET SCHEMA '{name}'", native=True)
    engine.init_schema()
    return name


def _populate(engine: Engine, params: BenchParams, progress: Callable[[str], None]) -> None:
    """Generate and load about ``params.events`` events (the generator and importer when
    they are installed; otherwise the vectorized writer of :mod:`.synthetic`)."""
    assert params.events is not None
    try:
        from shoplens.generate import generate  # type: ignore[attr-defined]
        from shoplens.ingest import load  # type: ignore[attr-defined]
    except ImportError:
        generate = load = None
    if generate is not None and load is not None and not params.synthetic:
        import tempfile

        from shoplens.generate.params import GenerateParams

        months = max(1, round(params.days / 30.4))
        with tempfile.TemporaryDirectory(prefix="shoplens-bench-") as tmp:
            progress(f"generating about {params.events:,} events")
            generate(GenerateParams(events=params.events, months=months, seed=params.seed,
                                    parquet=True), Path(tmp))
            progress("loading")
            load(engine, [Path(tmp)])
        return
    from shoplens.metrics.synthetic import write_shop

    progress(f"writing about {params.events:,} synthetic events")
    write_shop(engine, params.events, days=params.days, seed=params.seed)


def _maintain(engine: Engine) -> None:
    for stmt in MAINTENANCE.get(engine.dialect, ()):
        engine.execute(stmt, native=True)


def _rollup_bytes(engine: Engine) -> int | None:
    sql = _SIZE_SQL.get(engine.dialect)
    if sql is None:
        return None
    return int(sum(engine.scalar(sql.format(t=t), native=True) or 0
                   for t in rollups.ROLLUP_TABLES))


def _access_path_bytes(engine: Engine) -> int | None:
    sql = _INDEX_SIZE_SQL.get(engine.dialect)
    names = [n for n in rollups.access_path_names(engine) if n.startswith("events_")]
    if sql is None or not names:
        return None
    return int(sum(engine.scalar(sql.format(t=n), native=True) or 0 for n in names))


class _Rollback(Exception):
    pass


def refresh_one_day(engine: Engine) -> tuple[float | None, int]:
    """Time the post-load refresh of one new day (a copy of the last day, shifted by one
    day), then roll everything back."""
    last = data_span(engine, "naive")[1]
    if last is None:
        return None, 0
    lo = datetime.combine(last, datetime.min.time())
    load = int(engine.scalar("SELECT COALESCE(MAX(load_id), 0) + 1 FROM events"))
    elapsed: list[float] = []
    count = 0
    try:
        with engine.transaction():
            engine.execute(
                "INSERT INTO events (event_id, user_id, session_id, event_type, raw_event, "
                "product_id, price, quantity, event_time, properties, load_id) "
                "SELECT event_id, user_id, session_id || '+1d', event_type, raw_event, "
                "product_id, price, quantity, event_time + INTERVAL '1 day', properties, :load "
                "FROM events WHERE event_time >= :lo", {"lo": lo, "load": load})
            count = engine.scalar("SELECT COUNT(*) FROM events WHERE load_id = :load",
                                  {"load": load})
            scope = LoadScope(load_id=load, tables=frozenset({"events"}),
                              min_time=lo + timedelta(days=1),
                              max_time=lo + timedelta(days=2, microseconds=-1))
            seconds, _ = _timed(lambda: rollups.refresh_after_load(engine, scope))
            elapsed.append(seconds)
            raise _Rollback
    except _Rollback:
        pass
    return _ms(elapsed[0]), int(count or 0)


def recategorize(engine: Engine, products: int = 1000) -> tuple[float | None, int]:
    """Time a catalogue update moving ``products`` products to another category (each
    takes the category of the product after it) with the rollups' refresh, then roll
    everything back."""
    from shoplens.metrics.catalogue import ProductChange, update_catalogue

    rows = engine.fetch_all(
        "SELECT product_id, category FROM products WHERE product_id IN "
        "(SELECT product_id FROM rollup_revenue_catalogue) ORDER BY product_id LIMIT :n",
        {"n": products})
    moves = [ProductChange(product_id=pid, category=rows[(i + 1) % len(rows)][1])
             for i, (pid, _) in enumerate(rows)]
    if not moves:
        return None, 0
    elapsed: list[float] = []
    try:
        with engine.transaction():
            seconds, _ = _timed(lambda: update_catalogue(engine, moves))
            elapsed.append(seconds)
            raise _Rollback
    except _Rollback:
        pass
    return _ms(elapsed[0]), len(moves)


def server_settings(engine: Engine) -> dict[str, str]:
    """The settings of :data:`_SETTINGS_SQL` for the engine (empty where unknown)."""
    sql = _SETTINGS_SQL.get(engine.dialect)
    return {str(k): str(v) for k, v in engine.fetch_all(sql, native=True)} if sql else {}


def run_bench(engine: Engine, params: BenchParams | None = None, *,
              progress: Callable[[str], None] | None = None) -> BenchReport:
    """Benchmark every metric pair on ``engine``.

    Returns
    -------
    BenchReport
        ``rows``: one :class:`BenchRow` per metric (median and p95 milliseconds of each
        form, speed-up = naive median / optimized median, whether the rows were equal);
        ``cost``: build time and size of the optimization, and its refresh time for a
        new day.

    Notes
    -----
    The range is the whole span of the data (rolling actives: its last ``rolling_days``
    days). Timings are wall-clock milliseconds around the query and the fetch of its
    result, measured with the engine's caches warm (the ``EXPLAIN ANALYZE`` run is the
    warm-up). The optimized timings exclude the rollup upkeep, reported as ``cost``.
    """
    params = params or BenchParams()
    say = progress or (lambda _msg: None)
    names = params.metrics or (*METRIC_QUERY_NAMES, *BREAKDOWN_QUERIES)
    unknown = [n for n in names if n not in METRIC_QUERY_NAMES and n not in BREAKDOWN_QUERIES]
    if unknown:
        raise ConfigError(f"unknown metric(s) {', '.join(unknown)}; "
                          f"known: {', '.join([*METRIC_QUERY_NAMES, *BREAKDOWN_QUERIES])}")
    schema = None
    previous_schema = engine.scalar("SELECT current_schema()")
    cost = OptimizationCost(rollups_ms=0.0)
    try:
        if params.events is not None:
            schema = _fresh_schema(engine)
            _populate(engine, params, say)
            # a load through the importer has already built the optimization in its
            # hook; drop the access paths so that their build is measured from scratch
            rollups.drop_access_paths(engine)
            say("building access paths")
            t_paths, _ = _timed(lambda: rollups.ensure(engine))
            cost.access_paths_ms = _ms(t_paths)
        else:
            rollups.ensure(engine)
        say("building rollups")
        t_roll, _ = _timed(lambda: rollups.rebuild(engine))
        cost.rollups_ms = _ms(t_roll)
        _maintain(engine)
        cost.rollups_bytes = _rollup_bytes(engine)
        cost.access_paths_bytes = _access_path_bytes(engine)
        cost.rollup_rows = int(sum(engine.scalar(f"SELECT COUNT(*) FROM {t}")
                                   for t in rollups.ROLLUP_TABLES))
        say("timing a one-day incremental refresh")
        cost.refresh_one_day_ms, cost.one_day_events = refresh_one_day(engine)
        say("timing a 1,000-product re-categorization")
        cost.recategorize_ms, cost.recategorized_products = recategorize(engine)
        _maintain(engine)

        first, last = data_span(engine, "naive")
        n_events = int(engine.scalar("SELECT COUNT(*) FROM events") or 0)
        rows: list[BenchRow] = []
        if first is not None and last is not None:
            for name in names:
                say(f"timing {name}")
                rows.append(bench_query(engine, name, _query(name, first, last, params),
                                        params))
        return BenchReport(engine=engine.name, events=n_events, first_day=first, last_day=last,
                           repeat=params.repeat, read_seconds=params.read_seconds, rows=rows,
                           cost=cost, plans=params.plans,
                           settings=server_settings(engine))
    finally:
        if schema is not None:
            engine.execute(f"SET SCHEMA '{previous_schema}'", native=True)
            if not params.keep:
                engine.execute(f"DROP SCHEMA {schema} CASCADE")


def _query(name: str, first: date, last: date, params: BenchParams) -> TrendsQuery:
    """The query timed for ``name``: a metric's document over the data's span (whole
    weeks / months for WAU / MAU; rolling actives over the last ``rolling_days`` days),
    or one of :data:`BREAKDOWN_QUERIES`."""
    if name in BREAKDOWN_QUERIES:
        return TrendsQuery.model_validate(BREAKDOWN_QUERIES[name])
    if name in ("wau", "mau"):
        lo, hi = period_bounds("week" if name == "wau" else "month", first, last)
        return metric_query(name, first=lo, last=hi - timedelta(days=1))
    if name == "rolling_active":
        first = max(first, last - timedelta(days=params.rolling_days - 1))
    return metric_query(name, first=first, last=last)
