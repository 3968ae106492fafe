"""Apache Spark over a Parquet lake (PySpark; local mode or a cluster).

``spark://local[2]?lake=PATH`` runs Spark in this process's JVM on two cores;
``spark://HOST:PORT?lake=PATH`` connects to a standalone cluster (the lake path must
then be readable by every executor: a shared filesystem). Tables are Parquet folders in
the lake (see :mod:`shoplens.lake.catalog`), registered as temporary views; ``events``
is partitioned by event date, Hive-style.

Parquet files cannot be changed in place, so the engine keeps PostgreSQL's semantics
itself: a transaction stages new files under ``LAKE/_staging/<tx>`` and a commit renames
them into place (journalled, all or nothing); DELETE and UPDATE rewrite the partitions
holding matching rows; ``INSERT … ON CONFLICT DO NOTHING`` is an anti-join on the key.
Queries see their own transaction's staged writes. Statements the lake cannot run
(MERGE, UPDATE … FROM, …) raise :class:`~shoplens.errors.UnsupportedOperationError`.

Engine-specific optimizations live here, never in the analyses: a range predicate on
``events.event_time`` also gets the implied range on the ``event_date`` partition
column, so Spark reads only the partitions a query can touch.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pyarrow as pa
import sqlglot
from sqlglot import exp

from shoplens.engines.base import Engine, Params, SQLLike
from shoplens.engines.sql import SOURCE_DIALECT, Query
from shoplens.errors import ConfigError, ShopLensError, UnsupportedOperationError
from shoplens.lake.catalog import Lake, TableSchema, data_files
from shoplens.lake.writer import write_arrow

HIDDEN_PREFIX = "__lake_"  # view with the partition column too (used by partition pruning)

_LOG4J = """\
rootLogger.level = fatal
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


@dataclass(frozen=True)
class SparkOptions:
    """What a ``spark://`` URL says."""

    master: str = "local[2]"
    lake: str = "shoplens-lake"
    shuffle_partitions: int = 4
    driver_memory: str = "2g"

    @classmethod
    def from_url(cls, url: str) -> SparkOptions:
        if not url.startswith("spark://"):
            raise ConfigError(f"not a spark URL: {url!r}")
        # urlsplit rejects the brackets of local[*]: split by hand.
        rest = url[len("spark://"):]
        host, _, query = rest.partition("?")
        args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        unknown = set(args) - {"lake", "shuffle_partitions", "driver_memory"}
        if unknown:
            raise ConfigError(f"unknown spark URL option(s) {sorted(unknown)}: "
                              "use lake=PATH, shuffle_partitions=N, driver_memory=4g")
        host = host.rstrip("/") or "local[2]"
        master = host if host.startswith("local") else f"spark://{host}"
        try:
            partitions = int(args.get("shuffle_partitions", 4))
        except ValueError as exc:
            raise ConfigError(f"shuffle_partitions must be a number in {url!r}") from exc
        lake = args.get("lake") or os.environ.get("SHOPLENS_LAKE") or "shoplens-lake"
        return cls(master, lake, partitions, args.get("driver_memory", "2g"))


_SESSION_LOCK = threading.Lock()
_ROOT_SESSIONS: dict[str, Any] = {}

# Runtime SQL settings every engine session gets (ShopLens semantics, not tuning).
_SQL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "4096",
}


def spark_session(opts: SparkOptions) -> Any:
    """The process's SparkSession for ``opts.master`` (started once, quiet, no UI)."""
    with _SESSION_LOCK:
        if opts.master in _ROOT_SESSIONS:
            return _ROOT_SESSIONS[opts.master]
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:
                raise ConfigError(
                    "the spark engine needs PySpark: pip install 'shoplens[spark]'") from exc
        log4j = Path(tempfile.gettempdir(), "shoplens-log4j2.properties")
        log4j.write_text(_LOG4J, encoding="utf-8")
        java_opts = f"-Dlog4j2.configurationFile=file:{log4j} -Dlog4j.configurationFile=file:{log4j}"
        builder = (
            SparkSession.builder.appName("shoplens").master(opts.master)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", opts.driver_memory)
            .config("spark.driver.extraJavaOptions", java_opts)
            .config("spark.sql.shuffle.partitions", str(opts.shuffle_partitions))
            .config("spark.default.parallelism", str(max(2, opts.shuffle_partitions)))
            .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir(), "shoplens-spark-wh")))
        )
        for key, value in _SQL_CONF.items():
            builder = builder.config(key, value)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                session = builder.getOrCreate()
        except Exception as exc:  # Java missing, port clash, bad master URL
            raise ConfigError(f"cannot start Spark ({opts.master}): {exc}") from exc
        session.sparkContext.setLogLevel("FATAL")
        # PySpark logs every failed query as a JSON record before raising it; the engine
        # raises it as one readable ShopLensError instead.
        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        _ROOT_SESSIONS[opts.master] = session
        return session


def stop_spark() -> None:
    """Stop every SparkSession this process started (tests and benchmarks call it)."""
    with _SESSION_LOCK:
        for session in _ROOT_SESSIONS.values():
            session.stop()
        _ROOT_SESSIONS.clear()


@dataclass
class _Tx:
    """What an open transaction changed; nothing is visible to others until commit."""

    id: str
    created: dict[str, TableSchema] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    removed: dict[str, set[Path]] = field(default_factory=dict)  # committed files deleted
    views: dict[str, str | None] = field(default_factory=dict)  # view SQL, None = dropped


class SparkEngine(Engine):
    name: ClassVar[str] = "spark"
    dialect: ClassVar[str] = "spark"
    explain_analyze: ClassVar[str] = "EXPLAIN FORMATTED"

    def __init__(self, url: str, *, options: SparkOptions | None = None) -> None:
        super().__init__(url)
        self.options = options or SparkOptions.from_url(url)
        self.lake = Lake(self.options.lake)
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
            _prune_partitions(self._compat(t), partitioned).sql(self.dialect)
            for t in sqlglot.parse(text, read=SOURCE_DIALECT) if t is not None)

    def _compat(self, tree: exp.Expression) -> exp.Expression:
        """The source tree with the rewrites Spark needs (see :func:`_spark_compat`)."""
        tree = tree.transform(_spark_compat)
        wide = self._bigint_columns()
        if wide:
            tree = tree.transform(lambda n: _wide_sum(n, wide))
        return tree

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
        if native:
            self._run(text, params)
            return
        for tree in sqlglot.parse(text, read=SOURCE_DIALECT):
            if tree is not None:
                self._statement(_prune_partitions(self._compat(tree), self._partitioned()),
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

    def _create(self, tree: exp.Create, params: Params) -> None:
        kind = (tree.args.get("kind") or "").upper()
        exists_ok = bool(tree.args.get("exists"))
        replace_ = bool(tree.args.get("replace"))
        if kind == "INDEX":
            return  # Parquet has no indexes; partitions and file statistics do their job
        if kind == "VIEW":
            name = tree.this.name
            if self.table_exists(name) and not (replace_ or exists_ok):
                raise ShopLensError(f"view {name!r} already exists")
            if exists_ok and self._view_sql(name) is not None:
                return
            assert self._tx is not None
            self._tx.views[name] = tree.expression.sql(self.dialect)
            return
        if kind != "TABLE":
            raise UnsupportedOperationError(f"CREATE {kind} is not available on the spark engine")
        query = tree.expression
        target = tree.this
        name = target.this.name if isinstance(target, exp.Schema) else target.name
        if self._schema(name) is not None:
            if exists_ok:
                return
            if not replace_:
                raise ShopLensError(f"table {name!r} already exists in the lake")
            self._drop_table(name)
        assert self._tx is not None
        df = None
        if query is None:
            schema = TableSchema.from_create(tree)
        else:
            df = self._sql(query.sql(self.dialect), params)
            schema = _schema_of_frame(name, df, temporary=_is_temporary(tree))
        if schema.temporary:
            self._temp[name] = schema
            self._stage_dir(name).mkdir(parents=True, exist_ok=True)
        else:
            self._tx.created[name] = schema
        self._dirty.add(name)
        if df is not None:
            self._write_frame(name, df)

    def _drop(self, tree: exp.Drop, params: Params) -> None:
        targets = tree.args.get("tables") or [tree.this]
        for target in targets:
            self._drop_one(tree, target.name)

    def _drop_one(self, tree: exp.Drop, name: str) -> None:
        kind = (tree.args.get("kind") or "").upper()
        assert self._tx is not None
        if kind == "VIEW":
            if self._view_sql(name) is None:
                if tree.args.get("exists"):
                    return
                raise ShopLensError(f"view {name!r} does not exist")
            self._tx.views[name] = None
            return
        if kind != "TABLE":
            raise UnsupportedOperationError(f"DROP {kind} is not available on the spark engine")
        if self._schema(name) is None:
            if tree.args.get("exists"):
                return
            raise ShopLensError(f"table {name!r} does not exist in the lake")
        self._drop_table(name)

    def _drop_table(self, name: str) -> None:
        if name in self._temp:
            _rmtree(self._stage_dir(name))
            del self._temp[name]
            self._dirty.add(name)
            return
        tx = self._tx
        assert tx is not None
        tx.created.pop(name, None)
        if name in self._schemas:
            tx.dropped.add(name)
        _rmtree(self._stage_dir(name))
        self._dirty.add(name)

    def _truncate(self, tree: exp.TruncateTable, params: Params) -> None:
        for table in tree.expressions:
            self._remove_all(table.name)

    def _remove_all(self, table: str) -> None:
        self._require(table)
        assert self._tx is not None
        if table not in self._temp:
            self._tx.removed.setdefault(table, set()).update(self.lake.files(table))
        _rmtree(self._stage_dir(table))
        self._dirty.add(table)

    def _insert(self, tree: exp.Insert, params: Params) -> None:
        target = tree.this
        if isinstance(target, exp.Schema):
            table, cols = target.this.name, [c.name for c in target.expressions]
        else:
            table, cols = target.name, None
        schema = self._require(table)
        if tree.args.get("returning"):
            raise UnsupportedOperationError("INSERT … RETURNING is not available on the spark engine")
        source = tree.expression
        if isinstance(source, exp.Values):
            values = source.copy()
            values.set("alias", exp.TableAlias(this=exp.to_identifier("v")))
            source = exp.select("*").from_(values)
        df = self._sql(source.sql(self.dialect), params)
        cols = cols or schema.column_names[: len(df.columns)]
        if len(cols) != len(df.columns):
            raise ShopLensError(
                f"INSERT INTO {table} has {len(cols)} target columns but {len(df.columns)} values")
        df = df.toDF(*cols)
        conflict = tree.args.get("conflict")
        if conflict is not None:
            action = str(conflict.args.get("action") or "").upper()
            if "NOTHING" not in action:
                raise UnsupportedOperationError(
                    "INSERT … ON CONFLICT DO UPDATE is not available on the spark engine "
                    "(Parquet files are immutable; use DELETE then INSERT)")
            keys = [k.this.name if isinstance(k, exp.Ordered) else k.name
                    for k in conflict.args.get("conflict_keys") or []] or list(schema.primary_key)
            if not keys:
                raise ShopLensError(f"ON CONFLICT needs a key: table {table!r} has no primary key")
            existing = self._frame(table).select(*keys)
            df = df.dropDuplicates(keys).join(existing, on=keys, how="left_anti")
        self._write_frame(table, df)

    def _delete(self, tree: exp.Delete, params: Params) -> None:
        table_expr = tree.this
        table = table_expr.name
        where = tree.args.get("where")
        if tree.args.get("using") or tree.args.get("returning"):
            raise UnsupportedOperationError(
                "DELETE … USING/RETURNING is not available on the spark engine")
        if where is None:
            self._remove_all(table)
            return
        alias = table_expr.alias_or_name
        cond = where.this
        self._rewrite(table, alias, cond, None, params)

    def _update(self, tree: exp.Update, params: Params) -> None:
        if tree.args.get("returning"):
            raise UnsupportedOperationError(
                "UPDATE … RETURNING is not available on the spark engine")
        table_expr = tree.this
        table = table_expr.name
        where = tree.args.get("where")
        cond = where.this if where is not None else exp.true()
        sets = {eq.this.name: eq.expression for eq in tree.expressions}
        if tree.args.get("from_") or tree.args.get("from"):
            self._update_from(tree, table, table_expr.alias_or_name, cond, sets, params)
            return
        self._rewrite(table, table_expr.alias_or_name, cond, sets, params)

    def _update_from(self, tree: exp.Update, table: str, alias: str, cond: exp.Expression,
                     sets: dict[str, exp.Expression], params: Params) -> None:
        """``UPDATE t SET … FROM s WHERE …`` as a join on ``t``'s primary key.

        As in PostgreSQL, a target row joined to several source rows is updated from one
        of them (which one is unspecified); rows without a match keep their values.
        """
        schema = self._require(table)
        if not schema.primary_key:
            raise UnsupportedOperationError(
                f"UPDATE … FROM on table {table!r} without a primary key is not available "
                "on the spark engine")
        unknown = set(sets) - set(schema.column_names)
        if unknown:
            raise ShopLensError(f"UPDATE {table}: no column(s) {sorted(unknown)}")
        self._sync_views()
        part = schema.partition_column
        source = HIDDEN_PREFIX + table if part else table
        keys = list(schema.primary_key) + ([part] if part else [])
        from_ = tree.args.get("from_") or tree.args["from"]
        match = exp.select(
            *[exp.column(k, alias).as_(f"__k{i}") for i, k in enumerate(keys)],
            *[sets[c].copy().as_(f"__s_{c}") for c in sets],
        ).from_(exp.to_table(source).as_(alias))
        for item in [from_.this, *from_.expressions]:
            match = match.join(item.copy(), join_type="cross")
        for join in tree.args.get("joins") or []:
            match = match.join(join.copy())
        match = match.where(cond.copy())
        key_cols = ", ".join(f"`__k{i}`" for i in range(len(keys)))
        firsts = ", ".join(f"first(`__s_{c}`) AS `__s_{c}`" for c in sets)
        matched_sql = (f"SELECT {key_cols}, {firsts} FROM ({match.sql(self.dialect)}) AS __m "
                       f"GROUP BY {key_cols}")
        matched = self._sql(matched_sql, params).localCheckpoint()
        if part:
            scope = sorted(r[0] for r in matched.select(f"__k{len(keys) - 1}").distinct().collect())
        else:
            scope = None if matched.limit(1).count() else []
        if scope == []:
            return
        name = f"__shoplens_upd_{uuid.uuid4().hex[:8]}"
        matched.createOrReplaceTempView(name)
        on = " AND ".join(f"`{alias}`.`{k}` = `{name}`.`__k{i}`" for i, k in enumerate(keys))
        proj = ", ".join(
            f"CASE WHEN `{name}`.`__k0` IS NOT NULL THEN `{name}`.`__s_{c}` "
            f"ELSE `{alias}`.`{c}` END AS `{c}`" if c in sets else f"`{alias}`.`{c}`"
            for c in schema.column_names)
        sql = f"SELECT {proj} FROM `{source}` AS `{alias}` LEFT JOIN `{name}` ON {on}"
        if scope is not None:
            dates = ", ".join(f"DATE '{d}'" for d in scope)
            sql += f" WHERE `{alias}`.`{part}` IN ({dates})"
        try:
            self._replace_rows(table, self._sql(sql, None), scope)
        finally:
            self.spark.catalog.dropTempView(name)

    def _rewrite(self, table: str, alias: str, cond: exp.Expression,
                 sets: dict[str, exp.Expression] | None, params: Params) -> None:
        """DELETE (``sets`` None) or UPDATE by rewriting the files that hold matching rows.

        For a partitioned table only the partitions with a matching row are rewritten.
        Rows where the condition is NULL are kept unchanged, as in SQL.
        """
        schema = self._require(table)
        assert self._tx is not None
        self._sync_views()
        part = schema.partition_column
        source = HIDDEN_PREFIX + table if part else table
        matched = exp.func("COALESCE", cond.copy(), exp.false())
        src = exp.to_table(source).as_(alias)
        scope = None
        if part:
            hits = self._sql(
                exp.select(exp.column(part, alias)).distinct().from_(src.copy())
                .where(matched.copy()).sql(self.dialect), params).collect()
            if not hits:
                return
            scope = sorted(r[0] for r in hits)
        elif not self._sql(exp.select("1").from_(src.copy()).where(matched.copy()).limit(1)
                           .sql(self.dialect), params).collect():
            return
        if sets is None:
            projection: list[exp.Expression] = [exp.column(c, alias) for c in schema.column_names]
            select = exp.select(*projection).from_(src.copy()).where(exp.not_(matched.copy()))
        else:
            unknown = set(sets) - set(schema.column_names)
            if unknown:
                raise ShopLensError(f"UPDATE {table}: no column(s) {sorted(unknown)}")
            projection = [
                exp.If(this=matched.copy(), true=sets[c].copy(), false=exp.column(c, alias))
                .as_(c) if c in sets else exp.column(c, alias)
                for c in schema.column_names
            ]
            select = exp.select(*projection).from_(src.copy())
        if scope is not None:
            dates = [exp.cast(exp.Literal.string(str(d)), "DATE") for d in scope]
            select = select.where(exp.column(part, alias).isin(*dates), append=True)
        self._replace_rows(table, self._sql(select.sql(self.dialect), params), scope)

    def _replace_rows(self, table: str, df: Any, scope: list[Any] | None) -> None:
        """Write ``df`` as the new content of ``table`` (of the partitions in ``scope``)."""
        schema = self._require(table)
        staged_before = set(self._staged_files(table))
        self._write_frame(table, df)
        # the rewrite is written: now retire the files it replaces
        part = schema.partition_column
        in_scope = (lambda p: True) if scope is None or part is None \
            else _partition_filter(part, scope)
        if self._tx is not None and table not in self._temp:
            removed = self._tx.removed.setdefault(table, set())
            removed.update(f for f in self._committed_files(table) if in_scope(f))
        for f in staged_before:
            if in_scope(f):
                f.unlink()
        self._dirty.add(table)

    # -- writing -----------------------------------------------------------------
    def _next_name(self) -> str:
        self._seq += 1
        assert self._tx is not None
        return f"part-{self._tx.id[:12]}-{self._seq:05d}"

    def _write_frame(self, table: str, df: Any) -> None:
        """Write a Spark DataFrame into the table's staging folder (cast, checked)."""
        from pyspark.sql import functions as F

        schema = self._require(table)
        unknown = [c for c in df.columns if c not in schema.column_names]
        if unknown:
            raise ShopLensError(f"table {table!r} has no column(s) {unknown}")
        cols = []
        for col in schema.columns:
            if col.name in df.columns:
                value = F.col(f"`{col.name}`").cast(col.type)
            elif col.default is not None:
                value = F.expr(col.default).cast(col.type)
            else:
                value = F.lit(None).cast(col.type)
            if col.not_null:
                message = (f"null value in column \"{col.name}\" of table \"{table}\" "
                           "violates not-null constraint")
                value = F.when(value.isNull(), F.raise_error(F.lit(message))).otherwise(value)
            cols.append(value.alias(col.name))
        out = df.select(*cols)
        if self.options.master.startswith("local"):
            # Local mode: the driver is the executor and sees the lake folder, so the
            # rows travel as Arrow and pyarrow writes them: no Spark write job, no
            # commit protocol, no shuffle (seconds saved per statement on 2 cores).
            try:
                data = _to_arrow(out)
            except Exception as exc:
                raise _clean_error(exc, f"INSERT INTO {table}") from exc
            self.append_arrow(table, data)
            return
        writer_df = out
        if schema.partition_column:
            out = out.withColumn(schema.partition_column,
                                 F.to_date(F.col(f"`{schema.partition_source}`")))
            writer_df = out.repartition(schema.partition_column)
        try:
            writer = writer_df.write.mode("append")
            if schema.partition_column:
                writer = writer.partitionBy(schema.partition_column)
            writer.parquet(str(self._stage_dir(table)))
        except Exception as exc:
            raise _clean_error(exc, f"INSERT INTO {table}") from exc
        self._dirty.add(table)

    def append_arrow(self, table: str, data: pa.Table | pa.RecordBatch) -> int:
        """Append Arrow rows as Parquet files in the table's partitions (staged until commit).

        No Spark job runs: pyarrow writes the files, Hive-partitioned by event date for
        the events table. Columns are matched by name and cast to the table's types;
        missing columns take their DEFAULT or NULL; NOT NULL is enforced.
        """
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if data.num_rows == 0:
            return 0
        with self.transaction():
            schema = self._require(table)
            write_arrow(schema, data, self._stage_dir(table), self._next_name())
            self._dirty.add(table)
        return data.num_rows

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
        for table in list(self._registered):
            self.spark.catalog.dropTempView(table)
            self.spark.catalog.dropTempView(HIDDEN_PREFIX + table)
        self._registered.clear()


# -- helpers ---------------------------------------------------------------------------
def _spark_args(params: Params) -> dict[str, Any] | None:
    """Bound parameters as Spark literals (named ``:name`` markers)."""
    if not params:
        return None
    from pyspark.sql import functions as F

    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dt.datetime):
            # ShopLens times are UTC wall-clock readings. PySpark turns a naive datetime
            # into an instant with the Python process's local zone; an aware one is
            # exact. Spark compares it with TIMESTAMP_NTZ columns in the session zone
            # (UTC), and _fetch_arrow hands any instant back as a naive UTC time.
            out[key] = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        elif isinstance(value, tuple | list):
            out[key] = F.array(*[F.lit(v) for v in value])
        else:
            out[key] = value
    return out


def _sub(node: exp.Expression) -> exp.Expression:
    """A rewritten copy of a subtree (transform() does not descend into replacements)."""
    return node.copy().transform(_spark_compat)


def _spark_compat(node: exp.Expression) -> exp.Expression:
    """Rewrite source constructs SQLGlot does not render as valid Spark SQL.

    ``FROM generate_series(a, b, step) AS g(d)`` (a set-returning function used as a
    table) becomes ``FROM (SELECT explode(sequence(a, b, step)) AS d) AS g`` (``LATERAL``
    when joined to earlier FROM items); Spark's ``sequence`` includes both ends, as
    ``generate_series`` does. ``DATE - DATE`` (an integer in PostgreSQL) becomes
    ``DATEDIFF``.
    """
    if isinstance(node, exp.Sub) and _is_date(node.this) and _is_date(node.expression):
        # PostgreSQL: date - date is an integer number of days; Spark: an INTERVAL DAY
        # (and INTERVAL / 7 cast to INT gives seconds). DATEDIFF is the day count.
        return exp.DateDiff(this=_sub(node.this), expression=_sub(node.expression),
                            unit=exp.var("DAY"))
    if isinstance(node, exp.ApproxDistinct) and node.args.get("accuracy") is None:
        # HyperLogLog++ with a 1% relative standard deviation (Spark's default is 5%):
        # 2^14 registers, 16 KiB per group, about DuckDB's own HLL error.
        return exp.ApproxDistinct(this=_sub(node.this), accuracy=exp.Literal.number(0.01))
    if isinstance(node, exp.Avg) and not (isinstance(node.this, exp.Cast)
                                          and node.this.to.is_type(exp.DataType.Type.DOUBLE)):
        # AVG(DECIMAL) in Spark is a DECIMAL with only 4 more digits of scale, so the mean
        # of 1.0/0.0 flags comes back rounded to 5 places; DuckDB averages in DOUBLE.
        return exp.Avg(this=exp.Cast(this=_sub(node.this), to=exp.DataType.build("DOUBLE")))
    if isinstance(node, exp.PercentileCont | exp.PercentileDisc) and isinstance(
            node.parent, exp.WithinGroup):
        # SQLGlot writes PERCENTILE_APPROX for Spark: an estimate. Spark 3.4+ has the
        # exact ordered-set aggregates under PostgreSQL's own names.
        name = "PERCENTILE_CONT" if isinstance(node, exp.PercentileCont) else "PERCENTILE_DISC"
        return exp.Anonymous(this=name, expressions=[_sub(node.this)])
    if (isinstance(node, exp.Extract) and isinstance(node.this, exp.Var | exp.Identifier)
            and node.this.name.upper() in ("DOW", "ISODOW")):
        # PostgreSQL DOW: Sunday 0 .. Saturday 6; Spark DOW: Sunday 1 .. Saturday 7.
        # ISODOW (Monday 1 .. Sunday 7) is Spark's DOW_ISO.
        if node.this.name.upper() == "ISODOW":
            return exp.Extract(this=exp.var("DOW_ISO"), expression=_sub(node.expression))
        extract = exp.Extract(this=exp.var("DOW"), expression=_sub(node.expression))
        return exp.Paren(this=exp.Sub(this=extract, expression=exp.Literal.number(1)))
    if (isinstance(node, exp.Extract) and isinstance(node.this, exp.Var | exp.Identifier)
            and node.this.name.upper() == "EPOCH"):
        # Spark cannot EXTRACT(EPOCH …): seconds since 1970 from the microseconds of the
        # UTC reading (DuckDB computes the same double).
        micros = exp.func("unix_micros", exp.Cast(
            this=_sub(node.expression), to=exp.DataType.build("TIMESTAMP_LTZ", dialect="spark")))
        return exp.Div(this=exp.Cast(this=micros, to=exp.DataType.build("DOUBLE")),
                       expression=exp.Literal.number(1_000_000))
    if isinstance(node, exp.Table) and isinstance(node.this, exp.ExplodingGenerateSeries):
        series = node.this
        alias = node.args.get("alias")
        cols = alias.args.get("columns") if alias is not None else None
        col = cols[0].name if cols else "generate_series"
        name = alias.name if alias is not None and alias.name else "generate_series"
        seq = exp.func("sequence", _sub(series.args["start"]), _sub(series.args["end"]),
                       *([_sub(series.args["step"])] if series.args.get("step") else []))
        inner = exp.select(exp.Explode(this=seq).as_(col))
        if isinstance(node.parent, exp.Join):
            # FROM span, generate_series(span.first_day, …): the series may refer to the
            # FROM items before it, which Spark allows only in a LATERAL subquery.
            return exp.Lateral(this=inner.subquery(),
                               alias=exp.TableAlias(this=exp.to_identifier(name)))
        return inner.subquery(name)
    return node


def _is_date(node: exp.Expression) -> bool:
    """An expression that is a DATE by its form (a cast to DATE or a DATE literal)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.is_type(exp.DataType.Type.DATE)
    return isinstance(node, exp.Date | exp.TsOrDsToDate | exp.CurrentDate | exp.DateFromParts)


def _wide_sum(node: exp.Expression, bigint_columns: frozenset[str]) -> exp.Expression:
    """``SUM(bigint_col)`` summed as DECIMAL(38,0).

    Spark sums BIGINT into BIGINT and (ANSI mode) fails on overflow; DuckDB sums into
    HUGEINT and PostgreSQL into NUMERIC, so e.g. a sum of 64-bit event-id hashes is
    fine there. DECIMAL(38,0) is exactly what DuckDB's HUGEINT becomes in Arrow.
    """
    if (isinstance(node, exp.Sum) and isinstance(node.this, exp.Column)
            and node.this.name in bigint_columns):
        return exp.Sum(this=exp.Cast(this=node.this.copy(),
                                     to=exp.DataType.build("DECIMAL(38, 0)")))
    return node


def _to_arrow(df: Any) -> pa.Table:
    """A DataFrame's rows as Arrow (``toArrow`` is PySpark 4; 3.5 has the private form)."""
    if hasattr(df, "toArrow"):
        return df.toArrow()
    batches = df._collect_as_arrow()
    if batches:
        return pa.Table.from_batches(batches)
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema).empty_table()


def _naive_utc(table: pa.Table) -> pa.Table:
    """Instants (Spark TIMESTAMP, e.g. what date_trunc returns) as naive UTC times."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            col = table.column(i).cast(pa.timestamp(f.type.unit, "UTC"))
            table = table.set_column(i, f.name, col.cast(pa.timestamp(f.type.unit)))
    return table


def _schema_of_frame(name: str, df: Any, *, temporary: bool = False) -> TableSchema:
    """Table schema of a query result (CREATE TABLE … AS SELECT)."""
    from shoplens.lake.catalog import PARTITIONED, Column

    cols = []
    for f in df.schema.fields:
        t = f.dataType.simpleString().upper()
        t = "TIMESTAMP_LTZ" if t == "TIMESTAMP" else t
        cols.append(Column(f.name, t, False, None))
    part_col, part_src = PARTITIONED.get(name, (None, None))
    if temporary or part_src not in {c.name for c in cols}:
        part_col = part_src = None
    return TableSchema(name, tuple(cols), (), part_col, part_src, temporary)


def _is_temporary(create: exp.Create) -> bool:
    props = create.args.get("properties")
    return bool(props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions))


def _partition_filter(part: str, values: list[Any]) -> Any:
    wanted = {f"{part}={v}" for v in values}
    return lambda p: any(seg in wanted for seg in Path(p).parts)


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _clean_error(exc: Exception, sql: str) -> ShopLensError:
    """A Spark/Py4J error as one readable line (Spark's error class and message)."""
    if isinstance(exc, ShopLensError):
        return exc
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ShopLensError(f"spark: {text[:500]}")


_RANGE = {exp.GTE: ">=", exp.GT: ">=", exp.LTE: "<=", exp.LT: "<="}


def _prune_partitions(tree: exp.Expression, partitioned: Mapping[str, tuple[str, str]],
                      ) -> exp.Expression:
    """Add the partition range implied by range predicates on the partition source.

    ``WHERE e.event_time >= :start AND e.event_time < :end`` on ``events`` gains
    ``e.event_date >= CAST(:start AS DATE) AND e.event_date <= CAST(:end AS DATE)`` and
    reads the hidden view that exposes ``event_date``, so Spark lists and scans only the
    partitions in range. Results are unchanged: the implied range is weaker than the
    original predicate. Selects with ``*`` keep the plain view (no extra column leaks).
    """
    if not partitioned:
        return tree
    for select in list(tree.find_all(exp.Select)):
        where = select.args.get("where")
        if where is None or any(isinstance(e, exp.Star) or
                                (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                                for e in select.expressions):
            continue
        tables = [t for t in select.find_all(exp.Table)
                  if t.parent_select is select and t.name in partitioned and not t.args.get("db")]
        if len(tables) != 1:
            continue
        table = tables[0]
        part, source = partitioned[table.name]
        alias = table.alias_or_name
        n_sources = len([t for t in select.find_all(exp.Table) if t.parent_select is select])
        extra: list[exp.Expression] = []
        for cond in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
            pairs: list[tuple[str, exp.Expression]] = []
            if isinstance(cond, exp.Between) and _is_col(cond.this, source, alias, n_sources):
                pairs = [(">=", cond.args["low"]), ("<=", cond.args["high"])]
            elif type(cond) in _RANGE:
                left, right = cond.this, cond.expression
                op = _RANGE[type(cond)]
                if _is_col(left, source, alias, n_sources) and _is_const(right):
                    pairs = [(op, right)]
                elif _is_col(right, source, alias, n_sources) and _is_const(left):
                    pairs = [({">=": "<=", "<=": ">="}[op], left)]
            for op, bound in pairs:
                cast = exp.Cast(this=bound.copy(), to=exp.DataType.build("DATE"))
                col = exp.column(part, alias)
                extra.append(exp.GTE(this=col, expression=cast) if op == ">="
                             else exp.LTE(this=col, expression=cast))
        if extra:
            table.set("this", exp.to_identifier(HIDDEN_PREFIX + table.name))
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            for e in extra:
                select.where(e, append=True, copy=False)
    return tree


def _is_col(node: exp.Expression, name: str, alias: str, n_sources: int) -> bool:
    if not isinstance(node, exp.Column) or node.name != name:
        return False
    return node.table == alias or (not node.table and n_sources == 1)


def _is_const(node: exp.Expression) -> bool:
    return not any(isinstance(n, exp.Column | exp.Query) for n in node.walk())


__all__ = ["SparkEngine", "SparkOptions", "spark_session", "stop_spark"]
