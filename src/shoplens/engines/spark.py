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

Engine-specific SQL lives in this engine, never in the analyses: :mod:`.spark_sql`
rewrites SQLGlot's Spark output where it would fail or change a number, and adds the
partition range implied by a range on ``events.event_time``, so Spark reads only the
partitions a query can touch.

Schemas: ``CREATE SCHEMA x`` makes a new, empty lake in ``LAKE/_schemas/x`` (at commit),
``SET SCHEMA 'x'`` switches the engine to it (``'default'``: the lake's own tables;
``current_schema()`` says which), ``DROP SCHEMA x CASCADE`` removes it. This is what
``shoplens bench --events N`` needs to fill and drop a scratch schema.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pyarrow as pa
import sqlglot
from sqlglot import exp

from shoplens.engines.base import Engine, Params, SQLLike
from shoplens.engines.spark_sql import HIDDEN_PREFIX, prune_partitions, to_spark
from shoplens.engines.sql import SOURCE_DIALECT, Query
from shoplens.errors import ConfigError, ShopLensError, UnsupportedOperationError
from shoplens.lake.catalog import META, TRASH, Lake, TableSchema, data_files
from shoplens.lake.writer import write_arrow

#: the lake's own tables: what ``current_schema()`` says before any ``SET SCHEMA``
DEFAULT_SCHEMA = "default"
#: other schemas are whole lakes in ``LAKE/_schemas/<name>`` (readers skip ``_`` folders)
SCHEMAS_DIR = "_schemas"
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# SET SCHEMA 'x' (PostgreSQL's and DuckDB's spelling) and SET search_path TO x
_SET_SCHEMA = re.compile(
    r"""\s*SET\s+(?:SCHEMA\s+|search_path\s*(?:TO\b|=)\s*)(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*;?\s*""",
    re.IGNORECASE)

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
    schemas: dict[str, bool] = field(default_factory=dict)  # True created, False dropped


class SparkEngine(Engine):
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

    def _create(self, tree: exp.Create, params: Params) -> None:
        kind = (tree.args.get("kind") or "").upper()
        exists_ok = bool(tree.args.get("exists"))
        replace_ = bool(tree.args.get("replace"))
        if kind == "INDEX":
            return  # Parquet has no indexes; partitions and file statistics do their job
        if kind == "SCHEMA":
            self._create_schema(tree.this.db or tree.this.name, exists_ok)
            return
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
        if (tree.args.get("kind") or "").upper() == "SCHEMA":
            for target in targets:
                self._drop_schema(target.db or target.name, exists_ok=bool(tree.args.get("exists")),
                                  cascade=bool(tree.args.get("cascade")))
            return
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

    # -- schemas -----------------------------------------------------------------
    def _schema_dir(self, name: str) -> Path:
        if not _SCHEMA_NAME.fullmatch(name):
            raise ShopLensError(f"invalid schema name {name!r} (letters, digits, _)")
        return self._root_lake.root / SCHEMAS_DIR / name

    def _schema_exists(self, name: str) -> bool:
        if name == DEFAULT_SCHEMA:
            return True
        if self._tx is not None and name in self._tx.schemas:
            return self._tx.schemas[name]
        return (self._schema_dir(name) / META).is_dir()

    def _create_schema(self, name: str, exists_ok: bool) -> None:
        """CREATE SCHEMA: a new, empty lake in ``LAKE/_schemas/<name>`` at commit."""
        self._schema_dir(name)  # validates the name
        if self._schema_exists(name):
            if exists_ok:
                return
            raise ShopLensError(f"schema {name!r} already exists in the lake {self._root_lake.root}")
        assert self._tx is not None
        self._tx.schemas[name] = True

    def _drop_schema(self, name: str, *, exists_ok: bool, cascade: bool) -> None:
        if name == DEFAULT_SCHEMA:
            raise UnsupportedOperationError(
                "DROP SCHEMA of the lake's own tables is not available on the spark engine")
        if not self._schema_exists(name):
            if exists_ok:
                return
            raise ShopLensError(f"schema {name!r} does not exist in the lake {self._root_lake.root}")
        if name == self.schema_name:
            raise UnsupportedOperationError(
                f"DROP SCHEMA of the current schema {name!r} is not available on the spark "
                "engine: SET SCHEMA to another one first")
        tables = sorted(p.stem for p in (self._schema_dir(name) / META / "tables").glob("*.json"))
        if tables and not cascade:
            raise ShopLensError(f"cannot drop schema {name!r}: it holds table(s) "
                                f"{', '.join(tables)} (use DROP SCHEMA … CASCADE)")
        assert self._tx is not None
        self._tx.schemas[name] = False

    def _use_schema(self, name: str) -> None:
        """SET SCHEMA: read and write the lake of schema ``name`` from now on.

        Temporary tables stay visible (they belong to the session, as in PostgreSQL).
        """
        if self._tx is not None:
            raise UnsupportedOperationError(
                "SET SCHEMA inside a transaction is not available on the spark engine")
        if not self._schema_exists(name):
            raise ShopLensError(f"schema {name!r} does not exist in the lake {self._root_lake.root}")
        self._unregister()
        self.lake = self._root_lake if name == DEFAULT_SCHEMA \
            else Lake(self._schema_dir(name), create=False)
        self.schema_name = name
        self.path = str(self.lake.root)
        self._schemas = self.lake.schemas()
        self._views = self.lake.views()
        self._dirty = set(self._schemas)

    def _unregister(self) -> None:
        """Drop the temp views of the current schema's tables and views."""
        for table in list(self._registered):
            self.spark.catalog.dropTempView(table)
            self.spark.catalog.dropTempView(HIDDEN_PREFIX + table)
        self._registered.clear()
        for view in self._views:
            self.spark.catalog.dropTempView(view)

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


__all__ = ["SparkEngine", "SparkOptions", "spark_session", "stop_spark"]
