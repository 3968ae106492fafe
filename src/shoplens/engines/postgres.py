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
#: result column types (PostgreSQL type OIDs) that a large result may bring as CSV, with
#: the Arrow type the row path infers from psycopg's Python value of each
_CSV_ARROW_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(), 20: pa.int64(), 21: pa.int64(), 23: pa.int64(), 25: pa.string(),
    1043: pa.string(), 700: pa.float64(), 701: pa.float64(), 1082: pa.date32(),
    1114: pa.timestamp("us")}
#: a SELECT that returned at least this many rows is read through COPY the next times
_COPY_RESULT_ROWS = 1_000
_CSV_PARSE = pacsv.ParseOptions(newlines_in_values=True)
_THREADED_BYTES = 1 << 22
_DDL = ("CREATE", "ALTER", "DROP")


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
        #: SELECTs whose last read returned many rows: (text, parameter types) -> the
        #: result's column names and types (read as CSV from then on: _fetch_csv)
        self._large_results: dict[tuple[str, tuple[Any, ...]], list[tuple[str, int]]] = {}
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
        if sql.lstrip()[:6].upper().startswith(_DDL):
            self._large_results.clear()  # a result's column types may change with it
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
        key = (sql, tuple(sorted((k, type(v).__name__) for k, v in params.items()))
               if params else ())
        described = self._large_results.get(key)
        if described is not None:
            return self._fetch_csv(sql, params, described)
        cur = self._run(sql, params)
        if cur.description is None:
            return pa.table({})
        names = [d.name for d in cur.description]
        with self._guard():
            rows = cur.fetchall()
        # by position, not a dict by name: PostgreSQL names both of `SELECT count(*),
        # count(DISTINCT x)` "count", and a dict would keep only the last
        if not rows:
            return _empty(names)
        if len(rows) >= _COPY_RESULT_ROWS and sql.lstrip()[:6].upper() == "SELECT" and all(
                d.type_code in _CSV_ARROW_TYPES for d in cur.description):
            if len(self._large_results) > 256:
                self._large_results.clear()
            self._large_results[key] = [(d.name, d.type_code) for d in cur.description]
        columns = list(zip(*rows, strict=True))
        return pa.Table.from_arrays([pa.array(list(c)) for c in columns], names=names)

    def _fetch_csv(self, sql: str, params: Params, described: list[tuple[str, int]]
                   ) -> pa.Table:
        """A large result as CSV (``COPY (…) TO STDOUT``) parsed by Arrow, with the column
        types its first read described, instead of a Python value per field (6,824 rows
        of five columns: 6 ms against 9 ms; smaller results stay on the row path, where
        the CSV reader's setup would cost more than it saves). The same Arrow types and
        values as the row path: NULL is an unquoted empty field, an empty string a
        quoted one, ``NaN`` a number; a column of only NULLs has Arrow's null type."""
        names = [f"c{i}" for i in range(len(described))]
        convert = pacsv.ConvertOptions(
            column_types={n: _CSV_ARROW_TYPES[oid] for n, (_, oid) in zip(names, described, strict=True)},
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"])
        # COPY takes no bound parameters: psycopg merges them client-side, as literals
        statement = f"COPY ({_LITERAL_PERCENT.sub('%%', sql) if params else sql}) TO STDOUT (FORMAT csv)"
        data = bytearray()
        with self._guard(), self.conn.cursor() as cur, \
                cur.copy(statement, dict(params) if params else None) as copy:
            for chunk in copy:
                data += chunk
        out = [d[0] for d in described]
        if not data:
            return _empty(out)
        # one thread unless the text is large: on a busy machine, handing a few hundred
        # kilobytes to Arrow's pool waited 10-20 ms for a descheduled worker
        table = pacsv.read_csv(pa.py_buffer(bytes(data)),
                               read_options=pacsv.ReadOptions(
                                   column_names=names, use_threads=len(data) > _THREADED_BYTES),
                               parse_options=_CSV_PARSE, convert_options=convert)
        columns = [c.combine_chunks() for c in table.columns]
        return pa.Table.from_arrays(
            [c if c.null_count < len(c) else pa.nulls(len(c)) for c in columns], names=out)

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

    #: rows written since the last ANALYZE (committed, and this transaction's) and the
    #: rows the statistics counted (-1: never analyzed), per table
    _CHANGES_SQL = (
        "SELECT c.reltuples, COALESCE(s.n_mod_since_analyze, 0) + COALESCE(x.n_tup_ins, 0) "
        "+ COALESCE(x.n_tup_upd, 0) + COALESCE(x.n_tup_del, 0) FROM pg_class AS c "
        "LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid "
        "LEFT JOIN pg_stat_xact_user_tables AS x ON x.relid = c.oid "
        "WHERE c.oid = to_regclass(%s)")
    #: sample of the quick range ANALYZE (300 rows a unit: 3,000 rows, ~25 ms on 10M events
    #: against ~250 ms for the whole table's default sample)
    _RANGE_STATISTICS_TARGET = 10

    def gather_statistics(self, tables: Iterable[str], *, min_changed: float = 0.0) -> None:
        for table in sorted(set(tables)):
            with self._guard():
                row = self.conn.execute(self._CHANGES_SQL, (f'"{table}"',)).fetchone()
            if row is None:
                continue
            rows, changed = row
            # autovacuum's own rule (analyze_threshold 50 + scale factor × rows)
            if min_changed and rows >= 0 and changed <= 50 + min_changed * rows:
                continue
            statement = psycopg.sql.SQL("ANALYZE {}").format(psycopg.sql.Identifier(table))
            self.execute(statement.as_string(self.conn), native=True)

    def note_appended_range(self, table: str, column: str) -> None:
        # ANALYZE of the one column with a small sample: its histogram then ends at the
        # new rows; the other columns keep their statistics. Inside the caller's
        # transaction (set_config local), the target is restored after.
        statement = psycopg.sql.SQL("ANALYZE {} ({})").format(
            psycopg.sql.Identifier(table), psycopg.sql.Identifier(column))
        with self._guard(), self.transaction():
            target = self.conn.execute("SHOW default_statistics_target").fetchone()[0]
            self.conn.execute("SELECT set_config('default_statistics_target', %s, true)",
                              (str(self._RANGE_STATISTICS_TARGET),))
            self.conn.execute(statement)
            self.conn.execute("SELECT set_config('default_statistics_target', %s, true)",
                              (target,))

    def interrupt(self) -> None:
        self.conn.cancel_safe()

    def close(self) -> None:
        self.conn.close()


def _empty(names: list[str]) -> pa.Table:
    """A result without rows: columns of Arrow's null type (no value to infer one from)."""
    return pa.Table.from_arrays([pa.array([], type=pa.null()) for _ in names], names=names)


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
