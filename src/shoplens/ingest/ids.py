"""Deterministic row ids: a 63-bit hash of the row's normalized content.

The same source row gives the same id whether it arrives from CSV or Parquet, in one
file or split over two, so re-loading it adds nothing. The hash is DuckDB's ``hash()``
(computed by the scratch DuckDB, whatever the target engine); ``hash_fingerprint()``
lets a load notice if a DuckDB upgrade ever changed it.
"""

from __future__ import annotations

import duckdb

from shoplens.ingest.validation import lit

#: hash('shoplens') as computed by the DuckDB these ids were defined with
FINGERPRINT = 13962783346058210389


def row_id(salt: str, *exprs: str) -> str:
    """SQL for the id of a row from ``exprs`` (normalized values), salted per table."""
    return f"CAST(hash({lit(salt)}, {', '.join(exprs)}) >> 1 AS BIGINT)"


def hash_fingerprint(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT hash('shoplens')").fetchall()[0][0])
