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
def transpile(sql: str, dialect: str) -> str:
    """Render source-dialect SQL (one or more statements) in ``dialect``.

    Statements the source dialect writes the same way as the target are still parsed,
    so a syntax error is found on every engine alike.
    """
    out = [e.sql(dialect) for e in sqlglot.parse(sql, read=SOURCE_DIALECT) if e is not None]
    return ";\n".join(out)


def placeholders(sql: str) -> set[str]:
    """Names of the ``:name`` placeholders in source-dialect SQL."""
    names: set[str] = set()
    for tree in sqlglot.parse(sql, read=SOURCE_DIALECT):
        if tree is not None:
            names.update(p.name for p in tree.find_all(exp.Placeholder) if p.name)
    return names
