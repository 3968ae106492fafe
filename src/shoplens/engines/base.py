"""The engine interface every analysis talks to.

An engine runs source-dialect SQL (see :mod:`shoplens.engines.sql`) with bound
parameters, returns results as pandas or Arrow, bulk-appends Arrow data through the
engine's own fast path, and groups work in transactions. Everything that differs
between engines is declared on the engine subclass as class constants or in one
method; analyses never branch on the engine name.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa

from shoplens.engines.sql import Query, load_sql, transpile
from shoplens.redact import redact

Params = Mapping[str, Any] | None
SQLLike = str | Query


class Engine(ABC):
    """A connection to one analytics database."""

    #: engine name used in messages, benchmarks and snapshot folders
    name: ClassVar[str]
    #: SQLGlot dialect the source SQL is transpiled to
    dialect: ClassVar[str]
    #: prefix that makes a query print its executed plan with timings
    explain_analyze: ClassVar[str] = "EXPLAIN ANALYZE"
    #: whether ``PRIMARY KEY`` in the portable DDL becomes an index-backed constraint;
    #: where it does not, the key columns are ``NOT NULL`` and ShopLens's writers keep
    #: the keys unique themselves (loads merge by key, analyses replace their rows)
    primary_key_indexes: ClassVar[bool] = True
    #: whether ``a IS NOT DISTINCT FROM b`` is written ``ARRAY[a] = ARRAY[b]`` (equal,
    #: NULL matching NULL): PostgreSQL can only nested-loop the former, the latter
    #: hash- or merge-joins (a top-N breakdown's rank join: 415 s against 0.6 s for
    #: 164,000 rows against 45,000 values)
    null_safe_eq_as_arrays: ClassVar[bool] = False
    #: what insight queries (:mod:`shoplens.insights`) cannot ask of this engine: feature
    #: -> what to call it in the error (``"regex"``, ``"percentile"``, ``"timezone"``);
    #: a query needing one fails before running, naming the option and the engine
    insight_unsupported: ClassVar[dict[str, str]] = {}
    #: whether a result arrives in this process as Arrow columns at about the cost of
    #: producing it (an in-process engine): an analysis may then fetch sorted, narrow
    #: rows and finish in NumPy where one pass over them beats several SQL window passes
    local_arrow: ClassVar[bool] = False
    #: whether :meth:`fetch_arrow_bulk` brings millions of rows of integer and text
    #: columns into this process at about the cost of producing them (not row by row
    #: through the driver): an analysis may then fetch narrow unsorted rows and finish in
    #: NumPy
    bulk_arrow: ClassVar[bool] = False

    def __init__(self, url: str) -> None:
        self.url = url
        self._tx_depth = 0

    # -- SQL ------------------------------------------------------------------
    def render(self, query: SQLLike, *, native: bool = False) -> str:
        """SQL text for this engine; ``native`` means it is already in its dialect."""
        text = query.sql if isinstance(query, Query) else query
        return text if native else transpile(text, self.dialect,
                                             primary_keys=self.primary_key_indexes,
                                             null_safe_arrays=self.null_safe_eq_as_arrays)

    @abstractmethod
    def _run(self, sql: str, params: Params) -> Any:
        """Execute rendered SQL and return a cursor-like object."""

    @abstractmethod
    def _fetch_arrow(self, sql: str, params: Params) -> pa.Table:
        """Execute rendered SQL and return an Arrow table."""

    def execute(self, query: SQLLike, params: Params = None, *, native: bool = False) -> None:
        """Run one statement (or a parameterless script) for its effect."""
        self._run(self.render(query, native=native), params)

    def execute_script(self, query: SQLLike, *, native: bool = False) -> None:
        """Run every statement of a script, in order, in one transaction."""
        text = query.sql if isinstance(query, Query) else query
        statements = (
            [text] if native else [q.sql for q in Query(text).statements()]
        )
        with self.transaction():
            for stmt in statements:
                self._run(self.render(stmt, native=native), None)

    def fetch_arrow(self, query: SQLLike, params: Params = None, *, native: bool = False) -> pa.Table:
        return self._fetch_arrow(self.render(query, native=native), params)

    def fetch_arrow_bulk(self, query: SQLLike, params: Params = None, *,
                         native: bool = False) -> pa.Table:
        """The rows of a query returning many rows of integer and text columns, **in no
        particular order** (an ``ORDER BY`` may be ignored), as Arrow.

        Where :attr:`bulk_arrow` is false this is :meth:`fetch_arrow`; engines override
        it with their fastest way of moving many narrow rows.
        """
        return self.fetch_arrow(query, params, native=native)

    def fetch_df(self, query: SQLLike, params: Params = None, *, native: bool = False) -> pd.DataFrame:
        """Result as a pandas DataFrame (numbers as numbers, NULL as NaN/NaT, text NULL as None)."""
        return arrow_to_pandas(self.fetch_arrow(query, params, native=native))

    def fetch_all(self, query: SQLLike, params: Params = None, *, native: bool = False) -> list[tuple]:
        table = self.fetch_arrow(query, params, native=native)
        cols = [c.to_pylist() for c in table.columns]
        return list(zip(*cols, strict=True)) if cols else []

    def scalar(self, query: SQLLike, params: Params = None, *, native: bool = False) -> Any:
        rows = self.fetch_all(query, params, native=native)
        return rows[0][0] if rows else None

    # -- transactions -----------------------------------------------------------
    @abstractmethod
    def _begin(self) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Engine]:
        """All or nothing. Nested calls join the outer transaction."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self
            finally:
                self._tx_depth -= 1
            return
        self._begin()
        self._tx_depth = 1
        try:
            yield self
        except BaseException:
            self._tx_depth = 0
            self._rollback()
            raise
        else:
            self._tx_depth = 0
            self._commit()

    @property
    def in_transaction(self) -> bool:
        return self._tx_depth > 0

    # -- bulk data --------------------------------------------------------------
    @abstractmethod
    def append_arrow(self, table: str, data: pa.Table | pa.RecordBatch) -> int:
        """Append rows through the engine's bulk path; columns are matched by name."""

    @contextlib.contextmanager
    def deferred_keys(self, table: str) -> Iterator[None]:
        """Bulk-fill ``table`` with its key index built once afterwards.

        For a large append into an empty table: an engine whose primary key is an index
        maintained row by row drops it for the body and adds it back after (which fails,
        rolling the transaction back, if the body wrote a duplicate key). Where keys
        have no index (or cannot be dropped), this does nothing.
        """
        yield

    def append_df(self, table: str, df: pd.DataFrame) -> int:
        """Append a pandas DataFrame (convenience for small data and tests)."""
        return self.append_arrow(table, pa.Table.from_pandas(df, preserve_index=False))

    # -- catalog ----------------------------------------------------------------
    @abstractmethod
    def table_exists(self, table: str) -> bool: ...

    @abstractmethod
    def columns(self, table: str) -> list[str]: ...

    def gather_statistics(self, tables: Iterable[str], *, min_changed: float = 0.0) -> None:
        """Refresh the query planner's statistics of ``tables`` after a bulk write.

        ``min_changed``: only the tables whose rows written since their statistics were
        gathered (this transaction's included) are more than that fraction of their rows;
        the others keep theirs (a small change moves no estimate much, and reading a
        large table's sample costs more than the write). No-op where the engine keeps
        statistics itself (DuckDB, Spark); PostgreSQL overrides it, since a freshly
        loaded table without statistics can get a plan many times slower than the right
        one until autovacuum catches up.
        """
        return None

    def note_appended_range(self, table: str, column: str) -> None:
        """Rows were appended to ``table`` past the end of ``column``'s known range (a
        new day of events): let the planner see the new range before the statements
        that read those rows are planned.

        No-op where the engine needs no statistics (DuckDB, Spark). On PostgreSQL a range
        beyond the column's histogram is estimated at one row, which turns the joins of
        a day's 300,000 events into nested loops of index probes.
        """
        return None

    def explain(self, query: SQLLike, params: Params = None, *, native: bool = False) -> str:
        """The executed plan with timings, as the engine prints it."""
        sql = f"{self.explain_analyze} {self.render(query, native=native)}"
        rows = self.fetch_all(sql, params, native=True)
        return "\n".join(str(r[-1]) for r in rows)

    # -- schema -----------------------------------------------------------------
    #: extra DDL (files in shoplens.engines) run after the portable schema
    schema_extras: ClassVar[Sequence[str]] = ()

    def init_schema(self) -> None:
        """Create the ShopLens tables if they are missing (idempotent)."""
        with self.transaction():
            self._lock_schema()
            self.execute_script(load_sql("shoplens.schema", "tables.sql"))
            for extra in self.schema_extras:
                self.execute_script(load_sql("shoplens.engines", extra), native=True)

    # -- concurrency ------------------------------------------------------------
    def _lock_schema(self) -> None:
        """Inside the schema transaction: wait for any other process creating the schema
        (``CREATE TABLE IF NOT EXISTS`` is not safe against a concurrent one)."""
        return None

    @contextlib.contextmanager
    def exclusive(self, name: str, *, wait: bool = True,
                  on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the database-wide lock ``name`` for the body (one load at a time).

        Without ``wait``, a lock held by another process raises
        :class:`~shoplens.errors.BusyError`; with it, ``on_wait`` is told why we wait,
        then the body runs once the other process is done. Engines whose files admit a
        single writer anyway hold nothing.
        """
        yield

    # -- lifecycle --------------------------------------------------------------
    def interrupt(self) -> None:
        """Cancel the statement running on this connection (from another thread).

        The running call raises the engine's own error; an idle connection is unaffected.
        Engines that cannot cancel do nothing.
        """
        return None

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {redact(self.url)}>"


__all__ = ["Engine", "Params", "SQLLike", "redact"]


#: results of more rows than this are converted to pandas on Arrow's thread pool
_THREADED_ROWS = 100_000


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """``table`` as pandas, text columns as Python objects with ``None`` for NULL.

    The text columns are taken from Arrow directly (its object conversion keeps NULL as
    ``None``): the round trip through pandas' ``str`` dtype of
    :func:`_text_nulls_as_none` costs more than the rest of a small result's conversion
    (0.6 of 0.85 ms for 4,742 rows of five columns).
    """
    # one thread for a small result: on a busy machine, Arrow's pool waited for a
    # descheduled worker (1-15 ms for 6,824 rows against 0.9 ms converted in place)
    df = table.to_pandas(use_threads=table.num_rows > _THREADED_ROWS)
    if df.shape[1] != table.num_columns:  # pandas metadata made some columns the index
        return _text_nulls_as_none(df)
    for i, dtype in enumerate(df.dtypes):
        if isinstance(dtype, pd.StringDtype):
            values = table.column(i).to_numpy(zero_copy_only=False)
            df.isetitem(i, pd.Series(values, index=df.index, dtype=object, copy=False))
    return df


def _text_nulls_as_none(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects with ``None`` for NULL, under pandas 2 and 3 alike.

    pandas 3 reads Arrow strings into its ``str`` dtype, whose missing value is ``NaN``;
    a NULL breakdown value or user id must stay ``None`` (``null`` in JSON, not ``NaN``).
    """
    for i, dtype in enumerate(df.dtypes):
        if isinstance(dtype, pd.StringDtype):
            col = df.iloc[:, i]
            df.isetitem(i, col.astype(object).where(col.notna(), None))
    return df
