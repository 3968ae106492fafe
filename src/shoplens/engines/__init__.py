"""Engines: where the data lives and the SQL runs.

``connect(url)`` picks the engine from the URL scheme:

- ``duckdb:///abs/path.duckdb``, ``duckdb:rel/path.duckdb``, a bare ``*.duckdb`` path,
  or ``duckdb:///:memory:`` — embedded DuckDB (the default, ``./shoplens.duckdb``);
- ``postgresql://user:pass@host:port/db`` — PostgreSQL 15 or newer;
- ``spark://local[*]?lake=PATH`` or ``spark://HOST:PORT?lake=PATH`` — Apache Spark over a
  Parquet lake (needs the ``spark`` extra and Java 17).
"""

from __future__ import annotations

import os

from shoplens.engines.base import Engine, redact
from shoplens.engines.sql import Query, load_sql
from shoplens.errors import ConfigError

DEFAULT_DB_URL = "duckdb:shoplens.duckdb"
DB_ENV = "SHOPLENS_DB"


def default_url() -> str:
    return os.environ.get(DB_ENV) or DEFAULT_DB_URL


def duckdb_path(url: str) -> str:
    """The file path (or ``:memory:``) a DuckDB URL names."""
    if url.startswith("duckdb://"):
        rest = url[len("duckdb://"):]
        # duckdb:///abs/path -> /abs/path ; duckdb:///:memory: -> :memory:
        return ":memory:" if rest.lstrip("/") in ("", ":memory:") else rest
    if url.startswith("duckdb:"):
        return url[len("duckdb:"):] or ":memory:"
    return url


def check_url(url: str) -> str:
    """``url`` when it names an engine ShopLens knows (nothing is opened), else a
    :class:`ConfigError` saying which URLs work."""
    if (url.startswith(("postgresql://", "postgres://", "duckdb:", "spark://"))
            or url.endswith((".duckdb", ".db")) or url == ":memory:"):
        return url
    raise ConfigError(redact(
        f"unknown database URL {url!r}: use duckdb:PATH or postgresql://...", url))


def connect(url: str | None = None, *, init: bool = True, **options: object) -> Engine:
    """Open the engine a URL names and, by default, create the ShopLens schema in it."""
    url = url or default_url()
    engine: Engine
    if url.startswith(("postgresql://", "postgres://")):
        from shoplens.engines.postgres import PostgresEngine

        try:
            engine = PostgresEngine(url, read_only=bool(options.get("read_only")))
        except Exception as exc:  # psycopg.OperationalError and friends
            raise ConfigError(redact(f"cannot connect to PostgreSQL at {url}: "
                                     f"{_first_lines(exc)}", url)) from None
    elif url.startswith("duckdb:") or url.endswith((".duckdb", ".db")) or url == ":memory:":
        from shoplens.engines.duckdb import DuckDBEngine

        try:
            engine = DuckDBEngine(url, duckdb_path(url), **options)  # type: ignore[arg-type]
        except Exception as exc:
            raise ConfigError(redact(f"cannot open DuckDB database {duckdb_path(url)}: "
                                     f"{_first_lines(exc)}", url)) from None
    else:
        from shoplens.engines.spark import SparkEngine

        engine = SparkEngine(check_url(url))
    if init:
        engine.init_schema()
    return engine


def _first_lines(exc: BaseException) -> str:
    """A driver's message on one line (libpq adds hints and a DETAIL on further lines)."""
    return " ".join(str(exc).split()) or type(exc).__name__


__all__ = ["DB_ENV", "DEFAULT_DB_URL", "Engine", "Query", "check_url", "connect", "default_url",
           "load_sql"]
