"""``shoplens export --lake DIR``: write the data model from any engine as a Parquet lake.

The lake is what the Spark engine (``spark://…?lake=DIR``) reads, and what any Parquet
reader understands: ``events`` Hive-partitioned by event date
(``events/event_date=2024-01-31/*.parquet``), the dimension and bookkeeping tables
beside it, one folder per table, with their explicit schemas in ``_shoplens/tables``.

An export is a snapshot: it replaces the exported tables of the lake in one commit (the
previous files move to the trash only once the new ones are complete), so a reader
never sees a half-written lake and a failed export leaves the old one intact.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlglot
from rich.progress import Progress
from sqlglot import exp

from shoplens.engines import Engine, load_sql
from shoplens.engines.sql import SOURCE_DIALECT
from shoplens.errors import ConfigError
from shoplens.lake.catalog import Lake, TableSchema, data_files
from shoplens.lake.writer import write_arrow

#: the data model's tables, in export order (events last: the largest)
TABLES = ("users", "products", "sessions", "orders", "order_items", "search_logs",
          "loads", "quarantine", "events")


@dataclass(frozen=True)
class ExportParams:
    """What to export and where."""

    lake: Path
    tables: tuple[str, ...] = TABLES
    #: events are read from the engine this many days at a time (bounded memory)
    chunk_days: int = 31

    def __post_init__(self) -> None:
        unknown = set(self.tables) - set(TABLES)
        if unknown:
            raise ConfigError(f"cannot export unknown table(s) {sorted(unknown)}: "
                              f"choose from {', '.join(TABLES)}")
        if self.chunk_days < 1:
            raise ConfigError("--chunk-days must be at least 1")


@dataclass
class ExportSummary:
    """Rows and files written per table."""

    lake: str
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    partitions: int = 0
    seconds: float = 0.0


def portable_schemas() -> dict[str, TableSchema]:
    """The data model (``schema/tables.sql``) as lake table schemas."""
    text = load_sql("shoplens.schema", "tables.sql").sql
    out: dict[str, TableSchema] = {}
    for tree in sqlglot.parse(text, read=SOURCE_DIALECT):
        if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
            schema = TableSchema.from_create(tree)
            out[schema.name] = schema
    return out


def export_lake(engine: Engine, params: ExportParams, *, progress: bool = False) -> ExportSummary:
    """Write the engine's tables into the lake at ``params.lake`` (one atomic commit).

    Parameters
    ----------
    engine
        Any ShopLens engine (DuckDB, PostgreSQL, or Spark over another lake).
    params
        The lake folder and the tables to export.

    Notes
    -----
    Values are cast to the portable schema's types (``NUMERIC(18,4)`` money stays exact
    as Parquet DECIMAL(18,4); ``TIMESTAMP`` stays a UTC wall-clock reading,
    ``TIMESTAMP_NTZ`` to Spark). Events are fetched one ``chunk_days`` window of
    ``event_time`` at a time, so memory is bounded by the busiest window.
    """
    started = time.perf_counter()
    lake = Lake(params.lake)
    if lake.root == getattr(getattr(engine, "lake", None), "root", None):
        raise ConfigError(f"cannot export the lake {lake.root} onto itself")
    schemas = portable_schemas()
    tx = f"export-{uuid.uuid4().hex[:12]}"
    stage = lake.staging_dir(tx)
    summary = ExportSummary(lake=str(lake.root))
    try:
        with Progress(disable=not progress, transient=True) as bar:
            task = bar.add_task("exporting", total=len(params.tables))
            for table in params.tables:
                bar.update(task, description=f"exporting {table}")
                schema = schemas[table]
                cols = ", ".join(schema.column_names)
                if not engine.table_exists(table):
                    rows = 0
                elif schema.partition_column:
                    rows = _export_by_time(engine, schema, cols, stage / table, params.chunk_days)
                else:
                    data = engine.fetch_arrow(f"SELECT {cols} FROM {table}")
                    rows = write_arrow(schema, data, stage / table, f"part-{tx}")
                summary.rows[table] = rows
                bar.advance(task)
        ops: list[tuple[str, ...]] = []
        for table in params.tables:
            old = lake.table_dir(table)
            ops.append(("mv", str(old), str(lake.trash_path(tx, old))))
            ops.append(("write", str(lake.meta / "tables" / f"{table}.json"),
                        schemas[table].to_json()))
            new_files = data_files(stage / table)
            summary.files[table] = len(new_files)
            for f in new_files:
                ops.append(("mv", str(f), str(old / f.relative_to(stage / table))))
            if schemas[table].partition_column:
                summary.partitions += len({f.parent for f in new_files})
        lake.commit(tx, ops)
    finally:
        lake.cleanup(tx)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _export_by_time(engine: Engine, schema: TableSchema, cols: str, base: Path,
                    chunk_days: int) -> int:
    src = schema.partition_source
    lo, hi = engine.fetch_all(f"SELECT MIN({src}), MAX({src}) FROM {schema.name}")[0]
    if lo is None:
        return 0
    start = datetime.combine(lo.date() if isinstance(lo, datetime) else lo, datetime.min.time())
    last = hi.date() if isinstance(hi, datetime) else hi
    end = datetime.combine(last, datetime.min.time()) + timedelta(days=1)
    rows = 0
    n = 0
    while start < end:
        stop = min(start + timedelta(days=chunk_days), end)
        data = engine.fetch_arrow(
            f"SELECT {cols} FROM {schema.name} WHERE {src} >= :lo AND {src} < :hi",
            {"lo": start, "hi": stop})
        n += 1
        rows += write_arrow(schema, data, base, f"part-{n:05d}")
        start = stop
    return rows


__all__ = ["TABLES", "ExportParams", "ExportSummary", "export_lake", "portable_schemas"]
