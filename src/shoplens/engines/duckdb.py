"""DuckDB: the embedded default engine (no server, no key, no network)."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from shoplens.engines.base import Engine, Params
from shoplens.errors import BusyError

# DuckDB lets one process at a time open a database file for writing (another process
# gets a clear "cannot open" error); within this process, connections to one file share
# it, so their schema creation and loads take turns on these locks.
_LOCKS: dict[tuple[str, str], threading.Lock] = {}
# DuckDB warns that Arrow output of an executed statement copies its rows once more (see
# DuckDBEngine._fetch_arrow); a filter set once, as catch_warnings is not thread-safe
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result",
                        category=UserWarning)
_LOCKS_GUARD = threading.Lock()


def _lock(path: str, name: str) -> threading.Lock:
    key = (str(Path(path).resolve()) if path != ":memory:" else f":memory:{id(path)}", name)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


class DuckDBEngine(Engine):
    name: ClassVar[str] = "duckdb"
    dialect: ClassVar[str] = "duckdb"
    explain_analyze: ClassVar[str] = "EXPLAIN ANALYZE"
    # DuckDB backs a PRIMARY KEY with an ART index that it maintains on every insert and
    # writes at commit, and uses for no join or aggregate: 1.25M session ids inserted in
    # 4.4 s with the key against 0.7 s without (a 10M-event load: 40 s against 29.5 s).
    # ART-indexed tables also turn every UPDATE into a delete plus insert.
    primary_key_indexes: ClassVar[bool] = False
    # results are Arrow in this process (no wire, no copy): 6.6M sorted rows of a
    # funnel come back in about 1.2 CPU-seconds (benchmarks/funnels_bench.py)
    local_arrow: ClassVar[bool] = True
    #: its own Arrow fetch is the bulk path (:meth:`Engine.fetch_arrow_bulk`)
    bulk_arrow: ClassVar[bool] = True

    def __init__(self, url: str, path: str, *, read_only: bool = False,
                 memory_limit: str | None = None) -> None:
        super().__init__(url)
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.con = duckdb.connect(path, read_only=read_only, config=config)

    def _run(self, sql: str, params: Params) -> Any:
        return self.con.execute(sql, dict(params) if params else None)

    def _fetch_arrow(self, sql: str, params: Params) -> pa.Table:
        # One prepared execution, not a relation: ``con.sql`` binds the statement to
        # describe the relation and again to run it (1.3 ms of a 4.4 ms read of a
        # rollup's top N). The result's rows are copied once more into Arrow, which
        # DuckDB warns about; a read's result is small beside what the statement read.
        result = self.con.execute(sql, dict(params) if params else None)
        if result.description is None:
            return pa.table({})
        return result.to_arrow_table()

    def _begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def append_arrow(self, table: str, data: pa.Table | pa.RecordBatch) -> int:
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if data.num_rows == 0:
            return 0
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        # Scan the Arrow data through a relation, not a registered view: inside a
        # transaction, a dropped view (and the Arrow data it holds) is kept until commit,
        # so a long load would hold every batch it appended in memory.
        # The rows of one append need no order among themselves (a table has none), and
        # without it DuckDB writes on every thread: a million events insert in half the
        # time (1.08 s against 2.02 s for two million here).
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.con.from_arrow(data).query(
                "__shoplens_append",
                f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM __shoplens_append')
        finally:
            self.con.execute("SET preserve_insertion_order = true")
        return data.num_rows

    def init_schema(self) -> None:
        with _lock(self.path, "schema"):
            super().init_schema()

    @contextlib.contextmanager
    def exclusive(self, name: str, *, wait: bool = True,
                  on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        lock = _lock(self.path, name)
        if not lock.acquire(blocking=False):
            if not wait:
                raise BusyError(f"another {name} into {self.path} is running in this process; "
                                "wait for it to finish, or run again without --no-wait")
            if on_wait:
                on_wait(f"waiting for another {name} into {self.path} to finish...")
            lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def table_exists(self, table: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = :t",
            {"t": table},
        ))

    def columns(self, table: str) -> list[str]:
        rows = self.fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "ORDER BY ordinal_position",
            {"t": table},
        )
        return [r[0] for r in rows]

    def interrupt(self) -> None:
        self.con.interrupt()

    def close(self) -> None:
        self.con.close()
