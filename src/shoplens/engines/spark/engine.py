"""The Spark engine: catalog, views, running SQL and transactions over the lake; the
DDL, DML and Arrow writes are mixins in sibling modules."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import sqlglot
from sqlglot import exp

from shoplens.engines.base import Engine, Params, SQLLike
from shoplens.engines.spark.arrow_io import ArrowIO, _naive_utc, _to_arrow
from shoplens.engines.spark.dml import DmlEmulation
from shoplens.engines.spark.helpers import _clean_error, _rmtree, _spark_args, _Tx
from shoplens.engines.spark.schema_ops import SchemaOps
from shoplens.engines.spark.session import (
    _SET_SCHEMA,
    _SQL_CONF,
    DEFAULT_SCHEMA,
    SCHEMAS_DIR,
    SparkOptions,
    spark_session,
)
from shoplens.engines.spark_sql import HIDDEN_PREFIX, prune_partitions, to_spark
from shoplens.engines.sql import SOURCE_DIALECT, Query
from shoplens.errors import ShopLensError, UnsupportedOperationError
from shoplens.lake.catalog import META, TRASH, Lake, TableSchema, data_files


class SparkEngine(SchemaOps, DmlEmulation, ArrowIO, Engine):
    """Apache Spark over a Parquet lake (see :mod:`shoplens.engines.spark`)."""

    name: ClassVar[str] = "spark"
    dialect: ClassVar[str] = "spark"
    explain_analyze: ClassVar[str] = "EXPLAIN FORMATTED"

    def __init__(self, url: str, *, options: SparkOptions | None = None) -> None:
        super().__init__(url)
        self.options = options or SparkOptions.from_url(url)
        self._root_lake = Lake(self.options.lake)
        self.lake = self._root_lake  # the current schema's lake (see SET SCHEMA)
        self.schema_name = DEFAULT_SCHEMA
        root = spark_session(self.options)
        # A session of our own: temp views are per session, so two engines on two
        # lakes can share one SparkContext without seeing each other's tables.
        self.spark = root.newSession()
        for key, value in _SQL_CONF.items():
            self.spark.conf.set(key, value)
        self.spark.conf.set("spark.sql.shuffle.partitions", str(self.options.shuffle_partitions))
        self._schemas = self.lake.schemas()
        self._views = self.lake.views()
        # Temporary tables (CREATE TEMPORARY TABLE): this session's only, written in
        # place under the lake's _staging folder and never committed to the catalog.
        self._temp: dict[str, TableSchema] = {}
        self._temp_root = self.lake.root / "_staging" / f"session-{uuid.uuid4().hex[:12]}"
        self.path = str(self.lake.root)  # quarantine CSVs go beside the lake
        self._tx: _Tx | None = None
        self._seq = 0
        self._dirty: set[str] = set(self._schemas)
        self._registered: set[str] = set()

    # -- catalog ---------------------------------------------------------------
    def _schema(self, table: str) -> TableSchema | None:
        if table in self._temp:
            return self._temp[table]
        tx = self._tx
        if tx is not None:
            if table in tx.created:
                return tx.created[table]
            if table in tx.dropped:
                return None
        return self._schemas.get(table)

    def _require(self, table: str) -> TableSchema:
        schema = self._schema(table)
        if schema is None:
            raise ShopLensError(f"table {table!r} does not exist in the lake {self.lake.root}")
        return schema

    def table_exists(self, table: str) -> bool:
        return self._schema(table) is not None or self._view_sql(table) is not None

    def columns(self, table: str) -> list[str]:
        schema = self._schema(table)
        if schema is not None:
            return schema.column_names
        if self._view_sql(table) is not None:
            self._sync_views()
            return list(self.spark.table(table).columns)
        return []

    def _view_sql(self, name: str) -> str | None:
        if self._tx is not None and name in self._tx.views:
            return self._tx.views[name]
        return self._views.get(name)

    def _tables(self) -> set[str]:
        names = set(self._schemas)
        if self._tx is not None:
            names = (names - self._tx.dropped) | set(self._tx.created)
        return names

    # -- files of a table, as this transaction sees them ------------------------------
    def _stage_dir(self, table: str) -> Path:
        if table in self._temp:
            return self._temp_root / table
        assert self._tx is not None
        return self.lake.staging_dir(self._tx.id) / table

    def _committed_files(self, table: str) -> list[Path]:
        if table in self._temp:
            return []
        tx = self._tx
        if tx is not None and table in tx.dropped:
            return []
        files = self.lake.files(table)
        if tx is not None and tx.removed.get(table):
            files = [f for f in files if f not in tx.removed[table]]
        return files

    def _staged_files(self, table: str) -> list[Path]:
        if table in self._temp or self._tx is not None:
            return data_files(self._stage_dir(table))
        return []

    def _frame(self, table: str) -> Any:
        """A DataFrame of the table's rows (committed and staged), with the partition column."""
        schema = self._require(table)
        ddl = schema.spark_ddl()
        parts = []
        for base, files in ((self.lake.table_dir(table), self._committed_files(table)),
                            (self._stage_dir(table) if self._tx or table in self._temp else None,
                             self._staged_files(table))):
            if not files or base is None:
                continue
            tx = self._tx
            untouched = tx is None or not tx.removed.get(table)
            paths = [str(base)] if base == self.lake.table_dir(table) and untouched \
                else [str(f) for f in files]
            parts.append(self.spark.read.schema(ddl).option("basePath", str(base)).parquet(*paths))
        if not parts:
            return self.spark.createDataFrame([], ddl)
        frame = parts[0]
        for extra in parts[1:]:
            frame = frame.unionByName(extra)
        return frame

    def _sync_views(self) -> None:
        """(Re-)register the temp views of tables whose files changed."""
        for table in sorted(self._dirty):
            schema = self._schema(table)
            if schema is None:
                for name in (table, HIDDEN_PREFIX + table):
                    self.spark.catalog.dropTempView(name)
                self._registered.discard(table)
                continue
            frame = self._frame(table)
            frame.select(*[f"`{c}`" for c in schema.column_names]).createOrReplaceTempView(table)
            if schema.partition_column:
                frame.createOrReplaceTempView(HIDDEN_PREFIX + table)
            self._registered.add(table)
        self._dirty.clear()
        views = dict(self._views)
        if self._tx is not None:
            views.update(self._tx.views)
        for name, sql in views.items():
            if sql is None:
                self.spark.catalog.dropTempView(name)
            else:
                self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS {sql}")

    # -- running SQL -------------------------------------------------------------
    def _sql(self, sql: str, params: Params) -> Any:
        self._sync_views()
        args = _spark_args(params)
        try:
            return self.spark.sql(sql, args=args) if args else self.spark.sql(sql)
        except Exception as exc:
            raise _clean_error(exc, sql) from exc

    def render(self, query: SQLLike, *, native: bool = False) -> str:
        text = query.sql if isinstance(query, Query) else query
        if native:
            return text
        partitioned = self._partitioned()
        return ";\n".join(
            prune_partitions(self._compat(t), partitioned).sql(self.dialect)
            for t in sqlglot.parse(text, read=SOURCE_DIALECT) if t is not None)

    def _compat(self, tree: exp.Expression) -> exp.Expression:
        """The source tree with the rewrites Spark needs (:mod:`.spark_sql`)."""
        return to_spark(tree, bigint_columns=self._bigint_columns(), schema_name=self.schema_name)

    def _bigint_columns(self) -> frozenset[str]:
        """Columns that are BIGINT in every lake table that has them."""
        types: dict[str, set[str]] = {}
        for name in self._tables() | set(self._temp):
            schema = self._schema(name)
            for col in schema.columns if schema else ():
                types.setdefault(col.name, set()).add(col.type)
        return frozenset(n for n, t in types.items() if t == {"BIGINT"})

    def _partitioned(self) -> dict[str, tuple[str, str]]:
        out = {}
        for name in self._tables():
            schema = self._schema(name)
            if schema and schema.partition_column and schema.partition_source:
                out[name] = (schema.partition_column, schema.partition_source)
        return out

    def _run(self, sql: str, params: Params) -> Any:
        df = self._sql(sql, params)
        df.collect()
        return df

    def _fetch_arrow(self, sql: str, params: Params) -> pa.Table:
        df = self._sql(sql, params)
        try:
            return _naive_utc(_to_arrow(df))
        except Exception as exc:
            raise _clean_error(exc, sql) from exc

    def execute(self, query: SQLLike, params: Params = None, *, native: bool = False) -> None:
        text = query.sql if isinstance(query, Query) else query
        set_schema = _SET_SCHEMA.fullmatch(text)
        if set_schema:
            self._use_schema(set_schema.group(2))
            return
        if native:
            self._run(text, params)
            return
        for tree in sqlglot.parse(text, read=SOURCE_DIALECT):
            if tree is not None:
                self._statement(prune_partitions(self._compat(tree), self._partitioned()),
                                params)

    def execute_script(self, query: SQLLike, *, native: bool = False) -> None:
        text = query.sql if isinstance(query, Query) else query
        with self.transaction():
            if native:
                for stmt in sqlglot.parse(text, read=self.dialect):
                    if stmt is not None:
                        self._run(stmt.sql(self.dialect), None)
            else:
                self.execute(text)

    def explain(self, query: SQLLike, params: Params = None, *, native: bool = False) -> str:
        """Spark's executed physical plan (after adaptive execution) and the run time.

        Spark has no ``EXPLAIN ANALYZE``: the query runs, then the final adaptive plan
        is printed in Spark's ``formatted`` mode with the measured wall time.
        """
        sql = self.render(query, native=native)
        df = self._sql(sql, params)
        start = time.perf_counter()
        _to_arrow(df)
        elapsed = (time.perf_counter() - start) * 1000
        jvm = self.spark.sparkContext._jvm
        plan = jvm.PythonSQLUtils.explainString(df._jdf.queryExecution(), "formatted")
        return f"{plan}\nExecution Time: {elapsed:.1f} ms"

    # -- statements --------------------------------------------------------------
    def _statement(self, tree: exp.Expression, params: Params) -> None:
        if isinstance(tree, exp.Query):
            self._run(tree.sql(self.dialect), params)
            return
        handler = {
            exp.Create: self._create,
            exp.Drop: self._drop,
            exp.Insert: self._insert,
            exp.Delete: self._delete,
            exp.Update: self._update,
            exp.TruncateTable: self._truncate,
        }.get(type(tree))
        if handler is None:
            kind = type(tree).__name__.upper()
            if isinstance(tree, exp.Command):
                kind = str(tree.this).upper()
            raise UnsupportedOperationError(
                f"{kind} is not available on the spark engine (Parquet lake at {self.lake.root})")
        with self.transaction():
            handler(tree, params)

    # -- transactions --------------------------------------------------------------
    def _begin(self) -> None:
        self._tx = _Tx(uuid.uuid4().hex)
        self.lake.staging_dir(self._tx.id).mkdir(parents=True, exist_ok=True)

    def _commit(self) -> None:
        tx = self._tx
        assert tx is not None
        ops: list[tuple[str, ...]] = []
        meta_tables = self.lake.meta / "tables"
        for table in sorted(tx.dropped):
            ops.append(("mv", str(self.lake.table_dir(table)),
                        str(self.lake.trash_path(tx.id, self.lake.table_dir(table)))))
            if table not in tx.created:
                ops.append(("rm", str(meta_tables / f"{table}.json")))
        for table, schema in sorted(tx.created.items()):
            ops.append(("write", str(meta_tables / f"{table}.json"), schema.to_json()))
        for table, files in sorted(tx.removed.items()):
            if table in tx.dropped:
                continue
            for f in sorted(files):
                ops.append(("mv", str(f), str(self.lake.trash_path(tx.id, f))))
        stage = self.lake.staging_dir(tx.id)
        for table in sorted(self._tables()):
            for f in data_files(stage / table):
                ops.append(("mv", str(f), str(self.lake.table_dir(table) / f.relative_to(stage / table))))
        for view, sql in sorted(tx.views.items()):
            path = self.lake.meta / "views" / f"{view}.sql"
            ops.append(("write", str(path), sql) if sql is not None else ("rm", str(path)))
        for schema_name, created in sorted(tx.schemas.items()):
            folder = self._schema_dir(schema_name)
            if created:  # the catalog folder is what makes a folder a schema
                ops.append(("write", str(folder / META / "schema.json"),
                            f'{{"name": "{schema_name}"}}'))
            else:  # into this lake's trash: removed with the transaction's other leftovers
                ops.append(("mv", str(folder),
                            str(self.lake.root / TRASH / tx.id / SCHEMAS_DIR / schema_name)))
        touched = set(tx.created) | tx.dropped | set(tx.removed) | {
            t for t in self._tables() if (stage / t).exists()}
        self._tx = None
        if ops:
            self.lake.commit(tx.id, ops)
        else:
            self.lake.cleanup(tx.id)
        self._schemas = self.lake.schemas()
        self._views = self.lake.views()
        self._dirty |= touched

    def _rollback(self) -> None:
        tx = self._tx
        assert tx is not None
        touched = set(tx.created) | tx.dropped | set(tx.removed) | set(self._tables())
        self._tx = None
        self.lake.cleanup(tx.id)
        for view, _sql in tx.views.items():
            if view not in self._views:
                self.spark.catalog.dropTempView(view)
        self._dirty |= touched

    def close(self) -> None:
        if self._tx is not None:
            self._rollback()
        for name in list(self._temp):
            self.spark.catalog.dropTempView(name)
        self._temp.clear()
        _rmtree(self._temp_root)
        self._unregister()
