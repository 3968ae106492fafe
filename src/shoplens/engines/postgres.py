"""PostgreSQL through psycopg 3; bulk loads use COPY."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import psycopg
import psycopg.sql
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from shoplens.engines import pg_binary, pg_bulk
from shoplens.engines.base import Engine, Params, SQLLike
from shoplens.errors import BusyError, ConnectionLostError
from shoplens.redact import redact

# psycopg treats '%' as the start of a placeholder once parameters are passed, so a
# literal '%' (LIKE '%x') must be doubled; the '%(name)s' SQLGlot writes must not.
_LITERAL_PERCENT = re.compile(r"%(?!\(\w+\)s)")
_COPY_CHUNK_ROWS = 200_000


class PostgresEngine(Engine):
    name: ClassVar[str] = "postgres"
    dialect: ClassVar[str] = "postgres"
    null_safe_eq_as_arrays: ClassVar[bool] = True
    explain_analyze: ClassVar[str] = "EXPLAIN (ANALYZE, BUFFERS)"
    #: per-connection settings. JIT off: analytics queries here are short or read rollups,
    #: and JIT compilation cost seconds per query once plan costs pass jit_above_cost
    #: (measured 5.6 s on a cohort matrix over 10M events) without paying back.
    session_settings: ClassVar[dict[str, str]] = {"jit": "off"}
    #: many rows come packed by the server, one value per column (:mod:`.pg_bulk`)
    bulk_arrow: ClassVar[bool] = True

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        super().__init__(url)
        # autocommit, with BEGIN/COMMIT issued by Engine.transaction(): a statement
        # outside a transaction commits by itself, as on DuckDB.
        self.conn = psycopg.connect(url, autocommit=True)
        for name, value in self.session_settings.items():
            self.conn.execute("SELECT set_config(%s, %s, false)", (name, value))
        if read_only:  # every transaction of this session refuses to write
            self.conn.execute("SELECT set_config('default_transaction_read_only', 'on', false)")

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """A server that stops or a network that drops mid-work is one clear error, not
        a driver traceback (whatever was unfinished is rolled back by the server)."""
        try:
            yield
        except psycopg.OperationalError as exc:
            if not (self.conn.broken or self.conn.closed):
                raise
            first = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ConnectionLostError(redact(
                f"lost the connection to PostgreSQL at {self.url} ({first}); nothing of the "
                "unfinished work was committed: check the server and run the command again",
                self.url)) from None

    def _run(self, sql: str, params: Params, *, binary: bool = False) -> Any:
        cur = self.conn.cursor()
        with self._guard():
            if params:
                cur.execute(_LITERAL_PERCENT.sub("%%", sql), dict(params), binary=binary)
            else:
                cur.execute(sql, binary=binary)
        return cur

    def fetch_arrow_bulk(self, query: SQLLike, params: Params = None, *,
                         native: bool = False) -> pa.Table:
        """Each column of the result packed by the server into one value
        (:mod:`.pg_bulk`): 6.6M rows of three columns in about the server's time to
        produce them, against seconds of Python per million rows through the driver.
        Rows come in no particular order; other column types or a NULL fall back to
        :meth:`fetch_arrow`."""
        sql = self.render(query, native=native)
        cur = self._run(f"SELECT * FROM ({sql}) AS q LIMIT 0", params)
        names = [d.name for d in cur.description]
        kinds = pg_bulk.plan([d.type_code for d in cur.description],
                             self.conn.info.parameter_status("server_encoding") or "")
        table = None
        if kinds is not None and len(set(names)) == len(names):
            with self._guard():
                row = self._run(pg_bulk.statement(sql, names, kinds), params,
                                binary=True).fetchone()
            table = pg_bulk.unpack(row, names, kinds)
        return self._fetch_arrow(sql, params) if table is None else table

    def _fetch_arrow(self, sql: str, params: Params) -> pa.Table:
        cur = self._run(sql, params)
        if cur.description is None:
            return pa.table({})
        names = [d.name for d in cur.description]
        with self._guard():
            rows = cur.fetchall()
        # by position, not a dict by name: PostgreSQL names both of `SELECT count(*),
        # count(DISTINCT x)` "count", and a dict would keep only the last
        if not rows:
            return pa.Table.from_arrays([pa.array([], type=pa.null()) for _ in names], names=names)
        columns = list(zip(*rows, strict=True))
        return pa.Table.from_arrays([pa.array(list(c)) for c in columns], names=names)

    def _begin(self) -> None:
        with self._guard():
            self.conn.execute("BEGIN")

    def _commit(self) -> None:
        with self._guard():
            self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.broken or self.conn.closed:
            return  # the server rolls back a transaction whose connection is gone
        with self._guard():
            self.conn.execute("ROLLBACK")

    # -- concurrency: advisory locks, keyed by purpose and schema -----------------
    _LOCK_KEY = "SELECT hashtextextended('shoplens:' || %s || ':' || current_schema(), 0)"

    def _lock_schema(self) -> None:
        with self._guard():
            key = self.conn.execute(self._LOCK_KEY, ("schema",)).fetchone()[0]
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))

    @contextlib.contextmanager
    def exclusive(self, name: str, *, wait: bool = True,
                  on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        with self._guard():
            key = self.conn.execute(self._LOCK_KEY, (name,)).fetchone()[0]
            got = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
            if not got:
                holder = self.conn.execute(
                    "SELECT min(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = "
                    "current_database()) AND ((classid::bigint << 32) | objid::bigint) = %s",
                    (key,)).fetchone()[0]
                who = f"server process {holder}" if holder else "another process"
                if not wait:
                    raise BusyError(
                        f"another {name} into this database is running ({who}); wait for it "
                        "to finish, or run again without --no-wait to wait for it")
                if on_wait:
                    on_wait(f"waiting for another {name} into this database to finish "
                            f"({who})...")
                self.conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            if not (self.conn.broken or self.conn.closed):
                with self._guard():
                    self.conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def append_arrow(self, table: str, data: pa.Table | pa.RecordBatch) -> int:
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if data.num_rows == 0:
            return 0
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        encoders = pg_binary.plan(self._column_types(table, data.column_names), data.schema)
        if encoders is not None:
            sql = f'COPY "{table}" ({cols}) FROM STDIN (FORMAT binary)'
            with self._guard(), self.conn.cursor() as cur, cur.copy(sql) as copy:
                copy.write(pg_binary.SIGNATURE)
                for batch in data.to_batches(max_chunksize=_COPY_CHUNK_ROWS):
                    copy.write(pg_binary.encode(batch, encoders))
                copy.write(pg_binary.TRAILER)
            return data.num_rows
        data = _lists_to_pg_arrays(data)
        sql = f'COPY "{table}" ({cols}) FROM STDIN (FORMAT csv, HEADER false)'
        with self._guard(), self.conn.cursor() as cur, cur.copy(sql) as copy:
            for batch in data.to_batches(max_chunksize=_COPY_CHUNK_ROWS):
                buf = io.BytesIO()
                pacsv.write_csv(batch, buf, pacsv.WriteOptions(include_header=False))
                copy.write(buf.getbuffer())
        return data.num_rows

    @contextlib.contextmanager
    def deferred_keys(self, table: str) -> Iterator[None]:
        """Drop the primary key of ``table`` for the body, add it back after.

        PostgreSQL's own advice for populating a table ("remove indexes", section 14.4
        of its manual): a btree on text keys maintained row by row is the slow part of a
        bulk load (1.25M session ids: 6.7 s, against 1.0 s for the COPY and 0.9 s for
        the index built once). Only inside a transaction, and not when a foreign key
        depends on the key (then it is kept).
        """
        with self._guard():
            rows = self.conn.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = to_regclass(%s) AND c.contype = 'p' AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND "
                "f.confrelid = c.conrelid)",
                (f'"{table}"',)).fetchall() if self.in_transaction else []
        if not rows:
            yield
            return
        (name, definition), = rows
        with self._guard():
            self.conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        yield
        with self._guard():
            self.conn.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')

    def _column_types(self, table: str, columns: list[str]) -> list[str]:
        """The PostgreSQL type of each named column of ``table`` (``format_type``)."""
        with self._guard():
            rows = self.conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                (f'"{table}"',)).fetchall()
        types = dict(rows)
        return [types.get(c, "?") for c in columns]

    def copy_csv(self, table: str, columns: list[str], chunks: Any) -> None:
        """COPY raw CSV bytes (an iterable of chunks) into ``table``."""
        cols = ", ".join(f'"{c}"' for c in columns)
        sql = f'COPY "{table}" ({cols}) FROM STDIN (FORMAT csv, HEADER false)'
        with self._guard(), self.conn.cursor() as cur, cur.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)

    def table_exists(self, table: str) -> bool:
        return bool(self.scalar("SELECT to_regclass(:t) IS NOT NULL", {"t": table}))

    def columns(self, table: str) -> list[str]:
        rows = self.fetch_all(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = :t AND table_schema = current_schema() ORDER BY ordinal_position",
            {"t": table},
        )
        return [r[0] for r in rows]

    def gather_statistics(self, tables: Iterable[str]) -> None:
        for table in sorted(set(tables)):
            if self.table_exists(table):
                statement = psycopg.sql.SQL("ANALYZE {}").format(psycopg.sql.Identifier(table))
                self.execute(statement.as_string(self.conn), native=True)

    def interrupt(self) -> None:
        self.conn.cancel_safe()

    def close(self) -> None:
        self.conn.close()


def _lists_to_pg_arrays(data: pa.Table) -> pa.Table:
    """Render list columns as PostgreSQL array literals ({"a","b"}) for CSV COPY."""
    for i, field in enumerate(data.schema):
        if not pa.types.is_list(field.type) and not pa.types.is_large_list(field.type):
            continue
        col = data.column(i).combine_chunks()
        values = pc.cast(col.flatten(), pa.string())
        escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
        quoted = pc.binary_join_element_wise('"', escaped, '"', "")
        rebuilt = pa.ListArray.from_arrays(col.offsets, quoted, mask=col.is_null())
        joined = pc.binary_join(rebuilt, ",")
        literal = pc.binary_join_element_wise("{", pc.fill_null(joined, ""), "}", "")
        literal = pc.if_else(col.is_null(), pa.scalar(None, pa.string()), literal)
        data = data.set_column(i, field.name, literal)
    return data
