"""DML over the Parquet lake: files cannot change in place, so INSERT (with ``ON
CONFLICT DO NOTHING`` as an anti-join on the key), DELETE and UPDATE (also ``UPDATE …
FROM``) write new files and retire the ones they replace, partition by partition."""

from __future__ import annotations

import uuid
from typing import Any

from sqlglot import exp

from shoplens.engines.base import Params
from shoplens.engines.spark.helpers import _partition_filter
from shoplens.engines.spark_sql import HIDDEN_PREFIX
from shoplens.errors import ShopLensError, UnsupportedOperationError


class DmlEmulation:
    """Mixin of :class:`~shoplens.engines.spark.SparkEngine`: INSERT, DELETE, UPDATE."""

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
