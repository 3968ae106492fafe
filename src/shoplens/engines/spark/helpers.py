"""Small pieces the Spark engine's modules share: the open transaction's record,
bound parameters as Spark literals, schemas of query results, error messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlglot import exp

from shoplens.engines.base import Params
from shoplens.errors import ShopLensError
from shoplens.lake.catalog import TableSchema


@dataclass
class _Tx:
    """What an open transaction changed; nothing is visible to others until commit."""

    id: str
    created: dict[str, TableSchema] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    removed: dict[str, set[Path]] = field(default_factory=dict)  # committed files deleted
    views: dict[str, str | None] = field(default_factory=dict)  # view SQL, None = dropped
    schemas: dict[str, bool] = field(default_factory=dict)  # True created, False dropped


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

