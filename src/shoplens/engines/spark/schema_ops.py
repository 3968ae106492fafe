"""Schema operations of the Spark engine: CREATE/DROP of tables, views and schemas
(each schema a lake of its own in ``LAKE/_schemas/<name>``), TRUNCATE, SET SCHEMA."""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from shoplens.engines.base import Params
from shoplens.engines.spark.helpers import _is_temporary, _rmtree, _schema_of_frame
from shoplens.engines.spark.session import _SCHEMA_NAME, DEFAULT_SCHEMA, SCHEMAS_DIR
from shoplens.engines.spark_sql import HIDDEN_PREFIX
from shoplens.errors import ShopLensError, UnsupportedOperationError
from shoplens.lake.catalog import META, Lake, TableSchema


class SchemaOps:
    """Mixin of :class:`~shoplens.engines.spark.SparkEngine`: DDL and schemas."""

    # -- tables and views ----------------------------------------------------------
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
