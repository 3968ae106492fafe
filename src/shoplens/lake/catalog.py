"""The Parquet lake's catalog: table schemas, file layout and atomic commits.

A lake is a folder::

    LAKE/
      events/event_date=2024-01-31/part-….parquet   # Hive-style partitions by event date
      users/part-….parquet                          # dimension tables beside the events
      _shoplens/tables/<table>.json                 # explicit schema of each table
      _shoplens/views/<view>.sql                    # view definitions (Spark SQL)
      _shoplens/journal.json                        # only while a commit is in flight
      _staging/<tx>/…                               # files written by open transactions
      _trash/<tx>/…                                 # files a commit replaced

Readers (Spark, DuckDB's ``read_parquet(..., hive_partitioning=true)``, pyarrow) skip
folders that start with ``_``, so staged and trashed files are invisible to them.

A commit is a list of renames within one filesystem (each rename is atomic). Before
any rename the list is written to ``_shoplens/journal.json``; a commit interrupted by a
crash is finished (rolled forward) the next time the lake is opened, so a transaction
is either wholly visible or not at all once the lake is reopened.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
from sqlglot import exp

from shoplens.errors import ConfigError, UnsupportedOperationError

META = "_shoplens"
STAGING = "_staging"
TRASH = "_trash"

#: Tables partitioned in the lake: table -> (partition column, column it is derived from).
#: The partition column is a DATE derived from a TIMESTAMP, Hive-style (event_date=YYYY-MM-DD).
PARTITIONED: dict[str, tuple[str, str]] = {"events": ("event_date", "event_time")}


@dataclass(frozen=True)
class Column:
    """One column: its name, Spark SQL type, and the constraints the lake enforces."""

    name: str
    type: str  # Spark SQL type, e.g. STRING, DECIMAL(18,4), TIMESTAMP_NTZ, ARRAY<STRING>
    not_null: bool = False
    default: str | None = None  # Spark SQL literal expression

    @property
    def arrow_type(self) -> pa.DataType:
        return arrow_type(self.type)


@dataclass(frozen=True)
class TableSchema:
    """A lake table: its columns, primary key and (for event tables) its partitioning."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    partition_column: str | None = None  # e.g. event_date (DATE)
    partition_source: str | None = None  # e.g. event_time (TIMESTAMP) it is derived from
    temporary: bool = field(default=False, compare=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def spark_ddl(self, *, with_partition: bool = True) -> str:
        """The schema as a Spark DDL string (``a STRING, b DECIMAL(18,4), …``)."""
        cols = [f"`{c.name}` {c.type}" for c in self.columns]
        if with_partition and self.partition_column:
            cols.append(f"`{self.partition_column}` DATE")
        return ", ".join(cols)

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=not c.not_null)
                          for c in self.columns])

    def to_json(self) -> str:
        doc = asdict(self)
        doc.pop("temporary")
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> TableSchema:
        doc = json.loads(text)
        doc["columns"] = tuple(Column(**c) for c in doc["columns"])
        doc["primary_key"] = tuple(doc.get("primary_key") or ())
        return cls(**doc)

    @classmethod
    def from_create(cls, create: exp.Create) -> TableSchema:
        """Read a ``CREATE TABLE name (col type constraints, …)`` expression."""
        schema = create.this
        if not isinstance(schema, exp.Schema):
            raise UnsupportedOperationError(
                "CREATE TABLE without a column list is not available on the spark engine "
                "(use CREATE TABLE … AS SELECT)")
        name = schema.this.name
        columns: list[Column] = []
        pk: list[str] = []
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                not_null = False
                default = None
                for con in item.constraints:
                    kind = con.kind
                    if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
                        not_null = True
                    elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                        pk.append(item.name)
                        not_null = True
                    elif isinstance(kind, exp.DefaultColumnConstraint):
                        default = kind.this.sql("spark")
                columns.append(Column(item.name, spark_type(item.args["kind"]), not_null, default))
            elif isinstance(item, exp.PrimaryKey):
                pk.extend(e.name for e in item.expressions)
        names = {c.name for c in columns}
        columns = [Column(c.name, c.type, c.not_null or c.name in pk, c.default) for c in columns]
        part_col, part_src = PARTITIONED.get(name, (None, None))
        if part_src is not None and part_src not in names:
            part_col = part_src = None
        props = create.args.get("properties")
        temporary = bool(props and any(isinstance(p, exp.TemporaryProperty)
                                       for p in props.expressions))
        return cls(name, tuple(columns), tuple(pk), part_col, part_src, temporary)


def spark_type(dtype: exp.DataType) -> str:
    """Spark SQL type for a (PostgreSQL-dialect) column type.

    ``TIMESTAMP`` (without time zone) becomes ``TIMESTAMP_NTZ``: Spark's plain
    ``TIMESTAMP`` is an instant shown in the session time zone, PostgreSQL's is a wall
    clock reading, and ShopLens stores UTC wall-clock times.
    """
    t = dtype.this
    T = exp.DataType.Type
    if t == T.TIMESTAMP:
        return "TIMESTAMP_NTZ"
    if t in (T.TIMESTAMPTZ, T.TIMESTAMPLTZ):
        return "TIMESTAMP_LTZ"
    if t in (T.DECIMAL, T.BIGDECIMAL) and not dtype.expressions:
        return "DECIMAL(38,18)"  # PostgreSQL's unconstrained NUMERIC
    if t in (T.JSON, T.JSONB, T.UUID, T.TEXT, T.VARCHAR, T.CHAR, T.NVARCHAR, T.NCHAR):
        return "STRING"
    if t == T.ARRAY:
        return f"ARRAY<{spark_type(dtype.expressions[0])}>"
    return dtype.sql("spark").replace(" ", "")


def arrow_type(spark: str) -> pa.DataType:
    """Arrow type of a Spark SQL type string (as :func:`spark_type` writes them)."""
    s = spark.upper().replace(" ", "")
    if s.startswith("ARRAY<") and s.endswith(">"):
        return pa.list_(arrow_type(s[6:-1]))
    if s.startswith("DECIMAL"):
        p, _, sc = s[s.index("(") + 1:-1].partition(",") if "(" in s else ("10", "", "0")
        return pa.decimal128(int(p), int(sc or 0))
    simple = {
        "STRING": pa.string(), "BIGINT": pa.int64(), "INT": pa.int32(), "INTEGER": pa.int32(),
        "SMALLINT": pa.int16(), "TINYINT": pa.int8(), "DOUBLE": pa.float64(),
        "FLOAT": pa.float32(), "BOOLEAN": pa.bool_(), "DATE": pa.date32(),
        "TIMESTAMP_NTZ": pa.timestamp("us"), "TIMESTAMP": pa.timestamp("us"),
        "TIMESTAMP_LTZ": pa.timestamp("us", tz="UTC"), "BINARY": pa.binary(),
    }
    if s in simple:
        return simple[s]
    raise UnsupportedOperationError(f"column type {spark} is not available on the spark engine")


def _visible(name: str) -> bool:
    return not name.startswith(("_", "."))


def data_files(root: Path) -> list[Path]:
    """Parquet files under ``root`` that readers see (skipping ``_``/``.`` names)."""
    if not root.is_dir():
        return []
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if _visible(d))
        found.extend(Path(dirpath, f) for f in sorted(filenames)
                     if _visible(f) and f.endswith(".parquet"))
    return found


class Lake:
    """A lake folder: its catalog on disk and the commit protocol."""

    def __init__(self, root: str | Path, *, create: bool = True) -> None:
        self.root = Path(root).expanduser().resolve()
        if not self.root.exists():
            if not create:
                raise ConfigError(f"no lake at {self.root}")
            self.root.mkdir(parents=True)
        if not self.root.is_dir():
            raise ConfigError(f"lake path {self.root} is not a folder")
        for sub in (self.meta / "tables", self.meta / "views", self.root / STAGING):
            sub.mkdir(parents=True, exist_ok=True)
        self.recover()

    @property
    def meta(self) -> Path:
        return self.root / META

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def staging_dir(self, tx: str) -> Path:
        return self.root / STAGING / tx

    # -- catalog ----------------------------------------------------------------
    def schemas(self) -> dict[str, TableSchema]:
        return {p.stem: TableSchema.from_json(p.read_text(encoding="utf-8"))
                for p in sorted((self.meta / "tables").glob("*.json"))}

    def views(self) -> dict[str, str]:
        return {p.stem: p.read_text(encoding="utf-8")
                for p in sorted((self.meta / "views").glob("*.sql"))}

    def files(self, table: str) -> list[Path]:
        return data_files(self.table_dir(table))

    # -- commits ----------------------------------------------------------------
    def commit(self, tx: str, ops: Sequence[tuple[str, ...]]) -> None:
        """Apply ``ops`` all-or-nothing (journalled renames and file writes).

        ``("mv", src, dst)`` renames a file or folder; ``("write", path, text)`` writes a
        small catalog file; ``("rm", path)`` moves a catalog file to the trash.
        """
        journal = self.meta / "journal.json"
        tmp = self.meta / f".journal-{tx}.tmp"
        tmp.write_text(json.dumps({"tx": tx, "ops": [list(o) for o in ops]}), encoding="utf-8")
        os.replace(tmp, journal)  # the commit point
        self._apply(tx, ops)
        journal.unlink()
        self.cleanup(tx)

    def _apply(self, tx: str, ops: Iterable[Sequence[str]]) -> None:
        trash = self.root / TRASH / tx
        for op in ops:
            kind, path = op[0], Path(op[1])
            if kind == "mv":
                dst = Path(op[2])
                if path.exists():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, dst)
            elif kind == "write":
                path.parent.mkdir(parents=True, exist_ok=True)
                part = path.with_name(f".{path.name}.{tx}.tmp")
                part.write_text(op[2], encoding="utf-8")
                os.replace(part, path)
            elif kind == "rm":
                if path.exists():
                    trash.mkdir(parents=True, exist_ok=True)
                    os.replace(path, trash / f"{path.name}.{len(list(trash.iterdir()))}")
            else:  # pragma: no cover - journal written by this module only
                raise ValueError(f"unknown lake commit op {kind!r}")

    def recover(self) -> None:
        """Finish a commit a crash interrupted (its journal says what was decided)."""
        journal = self.meta / "journal.json"
        if journal.exists():
            doc = json.loads(journal.read_text(encoding="utf-8"))
            self._apply(doc["tx"], doc["ops"])
            journal.unlink()
            self.cleanup(doc["tx"])

    def cleanup(self, tx: str) -> None:
        for path in (self.root / STAGING / tx, self.root / TRASH / tx):
            shutil.rmtree(path, ignore_errors=True)

    def trash_path(self, tx: str, path: Path) -> Path:
        return self.root / TRASH / tx / path.relative_to(self.root)
