"""The scratch DuckDB a load computes in, whatever the target engine.

Files are parsed and validated by DuckDB's own readers and SQL (vectorized, parallel,
streaming); the scratch database also holds what a load must remember across batches
(ids seen, quarantined rows, users/products/sessions/orders to merge) in bounded memory:
it spills to a temporary folder beyond its memory limit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

#: memory the scratch database may hold before spilling to disk. A mapped load copies
#: its file into the scratch database first and fills this limit from the start; at
#: 384 MB a 10 M-row mapped load into DuckDB peaked at 1,729 MiB against 1,834 at 512 MB
#: (45.7 against 44.8 CPU-s, within the machine's noise)
MEMORY_LIMIT = "384MB"
PREFIX = "shoplens-load-"
#: a scratch folder without an owner file is someone's only after this long
_ORPHAN_SECONDS = 3600

_TABLES = """
CREATE TABLE seen (kind VARCHAR, id BIGINT, file INTEGER, line BIGINT);
CREATE TABLE quarantine (file INTEGER, line BIGINT, field VARCHAR, reason VARCHAR, raw VARCHAR);
CREATE TABLE acc_users (user_id VARCHAR, signup_date DATE, country VARCHAR,
                        first_seen TIMESTAMP, ts TIMESTAMP, src INTEGER);
CREATE TABLE acc_products (product_id VARCHAR, category VARCHAR, category_id VARCHAR,
                           price DECIMAL(18, 4), brand VARCHAR, name VARCHAR, ts TIMESTAMP,
                           src INTEGER);
CREATE TABLE acc_sessions (session_id VARCHAR, user_id VARCHAR, session_start TIMESTAMP,
                           session_end TIMESTAMP, n_events BIGINT);
CREATE TABLE acc_orders (order_id VARCHAR, user_id VARCHAR, order_time TIMESTAMP,
                         country VARCHAR, is_refund BOOLEAN);
CREATE TABLE signups (user_id VARCHAR, signup_date DATE);
CREATE TABLE file_keys (kind VARCHAR, key VARCHAR, file INTEGER);
"""


class Scratch:
    """An in-memory DuckDB with a spill folder; ``con`` streams, ``cur`` does the rest."""

    def __init__(self, memory_limit: str = MEMORY_LIMIT) -> None:
        remove_stale_folders()
        self._tmp = tempfile.TemporaryDirectory(prefix=PREFIX)
        (Path(self._tmp.name) / "owner.pid").write_text(str(os.getpid()))
        self.con = duckdb.connect(config={
            "memory_limit": memory_limit,
            "temp_directory": str(Path(self._tmp.name) / "spill"),
            "preserve_insertion_order": True,
        })
        # Zone-qualified times ("...+02:00") convert to UTC; naive ones are taken as UTC.
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(_TABLES)
        self.cur = self.con.cursor()
        self._n = 0

    @property
    def folder(self) -> Path:
        """The load's own temporary folder (removed when the scratch closes)."""
        return Path(self._tmp.name)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> pa.Table:
        return self.cur.sql(query, params=params).to_arrow_table() if params else \
            self.cur.sql(query).to_arrow_table()

    def execute(self, query: str, params: dict[str, Any] | None = None) -> None:
        self.cur.execute(query, params or {})

    def one(self, query: str, params: dict[str, Any] | None = None) -> tuple:
        rows = self.cur.execute(query, params or {}).fetchall()
        return rows[0] if rows else ()

    def register(self, data: pa.Table | pa.RecordBatch) -> str:
        """Expose Arrow data as a view for the next queries; returns its name."""
        self._n += 1
        name = f"batch_{self._n}"
        self.cur.register(name, data)
        return name

    def unregister(self, name: str) -> None:
        self.cur.unregister(name)

    @contextlib.contextmanager
    def registered(self, data: pa.Table | pa.RecordBatch) -> Iterator[str]:
        """``register`` for the body of a ``with`` block, unregistered after it."""
        name = self.register(data)
        try:
            yield name
        finally:
            self.unregister(name)

    def compact(self, table: str, query: str, *, limit: int) -> None:
        """Replace an accumulator by its reduction once it holds more than ``limit`` rows,
        so it stays about as large as the number of distinct keys."""
        if self.one(f"SELECT count(*) FROM {table}")[0] > limit:
            self.execute(f"CREATE OR REPLACE TABLE {table} AS {query}")

    def close(self) -> None:
        self.cur.close()
        self.con.close()
        self._tmp.cleanup()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_stale_folders(root: str | Path | None = None) -> list[Path]:
    """Remove the scratch folders of loads that were killed (their process is gone), so
    that a killed load leaves nothing behind for long; returns what was removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        if not folder.is_dir() or _alive(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(folder: Path) -> bool:
    try:
        pid = int((folder / "owner.pid").read_text())
    except (OSError, ValueError):  # being created, or from before owner files
        try:
            return time.time() - folder.stat().st_mtime < _ORPHAN_SECONDS
        except OSError:
            return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
