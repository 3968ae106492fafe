"""One definition of each query, rendered for every engine.

Queries are written once, in PostgreSQL's dialect, either as ``.sql`` files next to the
module that runs them or as SQLGlot expressions. Values are never pasted into SQL text:
they are written as named placeholders (``:start``) and bound by the driver. SQLGlot
transpiles the text to each engine's dialect and renders the placeholder in that
engine's style (``$start`` for DuckDB, ``%(start)s`` for psycopg, ``:start`` for Spark).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import sqlglot
from sqlglot import exp

SOURCE_DIALECT = "postgres"


@dataclass(frozen=True)
class Query:
    """A query in the source dialect, with a name used in plans, snapshots and errors."""

    sql: str
    name: str = "query"

    @classmethod
    def from_file(cls, package: str, filename: str) -> Query:
        """Read ``filename`` shipped inside ``package`` (e.g. ``shoplens.metrics``)."""
        text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
        return cls(text, name=f"{package.rsplit('.', 1)[-1]}/{filename}")

    def statements(self) -> list[Query]:
        """Split a multi-statement file into single statements."""
        parts = [p for p in sqlglot.parse(self.sql, read=SOURCE_DIALECT) if p is not None]
        return [Query(p.sql(SOURCE_DIALECT), name=f"{self.name}#{i}") for i, p in enumerate(parts)]


def load_sql(package: str, filename: str) -> Query:
    """Shorthand for :meth:`Query.from_file`."""
    return Query.from_file(package, filename)


@functools.lru_cache(maxsize=1024)
def transpile(sql: str, dialect: str, *, primary_keys: bool = True,
              null_safe_arrays: bool = False) -> str:
    """Render source-dialect SQL (one or more statements) in ``dialect``.

    Statements the source dialect writes the same way as the target are still parsed,
    so a syntax error is found on every engine alike. ``primary_keys=False`` declares
    ``PRIMARY KEY`` columns ``NOT NULL`` only, for an engine where the key's index costs
    more than it gives (see ``DuckDBEngine.primary_key_indexes``).
    ``null_safe_arrays`` writes ``a IS NOT DISTINCT FROM b`` as ``ARRAY[a] = ARRAY[b]``
    (see ``Engine.null_safe_eq_as_arrays``).
    """
    trees = [e for e in sqlglot.parse(sql, read=SOURCE_DIALECT) if e is not None]
    if not primary_keys:
        trees = [t.transform(_primary_key_as_not_null) for t in trees]
    if null_safe_arrays:
        trees = [t.transform(_null_safe_eq_as_arrays) for t in trees]
    return ";\n".join(e.sql(dialect) for e in trees)


def _null_safe_eq_as_arrays(node: exp.Expression) -> exp.Expression:
    """``a IS NOT DISTINCT FROM b`` -> ``ARRAY[a] = ARRAY[b]``: the same truth (array
    equality compares NULL elements as equal), but an equality a join can hash."""
    if isinstance(node, exp.NullSafeEQ):
        return exp.EQ(this=exp.Array(expressions=[node.this.copy()]),
                      expression=exp.Array(expressions=[node.expression.copy()]))
    return node


def _primary_key_as_not_null(node: exp.Expression) -> exp.Expression | None:
    """``col TYPE PRIMARY KEY`` -> ``col TYPE NOT NULL``; a table's ``PRIMARY KEY (…)``
    is dropped (its columns keep their own constraints)."""
    if isinstance(node, exp.ColumnConstraint) and isinstance(
            node.args.get("kind"), exp.PrimaryKeyColumnConstraint):
        column = node.parent
        has_not_null = isinstance(column, exp.ColumnDef) and any(
            isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
            for c in column.args.get("constraints") or [])
        return None if has_not_null else exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())
    if isinstance(node, exp.PrimaryKey) and isinstance(node.parent, exp.Schema):
        return None
    return node


def placeholders(sql: str) -> set[str]:
    """Names of the ``:name`` placeholders in source-dialect SQL."""
    names: set[str] = set()
    for tree in sqlglot.parse(sql, read=SOURCE_DIALECT):
        if tree is not None:
            names.update(p.name for p in tree.find_all(exp.Placeholder) if p.name)
    return names
