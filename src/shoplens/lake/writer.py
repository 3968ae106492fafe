"""Arrow rows into lake Parquet files: cast to the table's schema, checked, partitioned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import sqlglot
from sqlglot import exp

from shoplens.errors import InputError, ShopLensError, UnsupportedOperationError
from shoplens.lake.catalog import TableSchema


def write_arrow(schema: TableSchema, data: pa.Table, base: Path, name: str) -> int:
    """Write ``data`` as Parquet under ``base`` (Hive-partitioned where the table is).

    Columns are matched by name and cast to the table's types; missing columns take
    their DEFAULT or NULL; NOT NULL is enforced. Files are named ``{name}-{i}.parquet``.
    """
    if data.num_rows == 0:
        return 0
    arrow = conform(schema.name, schema, data)
    partitioning = None
    if schema.partition_column:
        src = arrow.column(schema.partition_source)
        arrow = arrow.append_column(
            pa.field(schema.partition_column, pa.date32()), pc.cast(src, pa.date32()))
        partitioning = pads.partitioning(
            pa.schema([(schema.partition_column, pa.date32())]), flavor="hive")
    pads.write_dataset(
        arrow, base, format="parquet", partitioning=partitioning,
        basename_template=f"{name}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_rows_per_group=1 << 20, max_partitions=100_000,
    )
    return data.num_rows


def conform(table: str, schema: TableSchema, data: pa.Table) -> pa.Table:
    """Cast ``data`` to the table's Arrow schema, filling defaults; names the bad column."""
    unknown = [c for c in data.column_names if c not in schema.column_names]
    if unknown:
        raise ShopLensError(f"table {table!r} has no column(s) {unknown}")
    arrays = []
    n = data.num_rows
    for col in schema.columns:
        target = col.arrow_type
        if col.name in data.column_names:
            arr = data.column(col.name)
            try:
                if pa.types.is_timestamp(arr.type) and pa.types.is_timestamp(target):
                    # tz-aware -> UTC wall clock; nanoseconds truncated as DuckDB does
                    arr = arr.cast(target, safe=False)
                elif not arr.type.equals(target):
                    arr = pc.cast(arr, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise InputError(f"cannot store column as {col.type}: {exc}",
                                 file=f"table {table}", field=col.name) from exc
        elif col.default is not None:
            arr = pa.array([default_value(col.default)] * n).cast(target)
        else:
            arr = pa.nulls(n, target)
        if col.not_null and arr.null_count:
            raise ShopLensError(
                f'null value in column "{col.name}" of table "{table}" violates not-null constraint')
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema())


def default_value(sql: str) -> Any:
    node = sqlglot.parse_one(sql, read="spark")
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else (
            int(node.this) if node.this.lstrip("-").isdigit() else Decimal(node.this))
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return -default_value(node.this.sql("spark"))
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.CurrentTimestamp):
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    raise UnsupportedOperationError(f"column default {sql} is not available on the spark engine")
