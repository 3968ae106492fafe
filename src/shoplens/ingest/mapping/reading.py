"""Reading a mapped file into the scratch DuckDB: delimiter (comma, semicolon, tab, pipe or
runs of blanks) and header detected from the first lines unless declared, every column as
text plus ``_line`` (the file's line number; the first data row of a file with a header is
line 2).

The file is copied into a scratch table whole before anything is written, so that the
mapping's columns, date formats and decimal separator are checked against the data first.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shoplens.errors import InputError
from shoplens.ingest.mapping.spec import FileSpec
from shoplens.ingest.sources import JSONL_SUFFIXES, PARQUET_SUFFIXES, inspect
from shoplens.ingest.validation import ident, lit

#: lines looked at to detect the delimiter and the header
SNIFF_LINES = 50
_NUMBERISH = re.compile(r"^[\s$€£¥+-]*[0-9][0-9.,:/ T+-]*[A-Z]{0,3}$")


@dataclass(frozen=True)
class ReadFile:
    """A file copied into the scratch table ``table``."""

    path: Path
    table: str
    columns: tuple[str, ...]
    container: str  # csv | text (runs of blanks) | jsonl | parquet
    delimiter: str | None
    header: bool
    rows: int

    @property
    def name(self) -> str:
        return str(self.path)

    def describe_reading(self) -> str:
        delim = {"\t": "tab", " ": "runs of blanks"}.get(self.delimiter or "", self.delimiter)
        if self.container in ("jsonl", "parquet"):
            return self.container
        return f"delimiter {delim!r}, {'a header row' if self.header else 'no header row'}"


def encoding_of(path: Path) -> str:
    """UTF-8 unless the first megabytes are not (then Latin-1, as spreadsheets write)."""
    with path.open("rb") as fh:
        head = fh.read(4 << 20)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return "latin-1"
    return "utf-8"


def head_text(path: Path, encoding: str, size: int = 64 << 10) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        return fh.read(size).lstrip("\ufeff")


def head_rows(text: str, delimiter: str, n: int = SNIFF_LINES) -> list[list[str]]:
    """The first ``n`` rows of the sample (a quoted cell may hold a line break); the
    last, possibly cut, row of a longer file is left out."""
    if delimiter == " ":
        rows = [line.split() for line in text.splitlines() if line.strip()]
    else:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(
            c.strip() for c in r)]
    if len(rows) > 1 and not text.endswith(("\n", "\r")):
        rows = rows[:-1]
    return rows[:n]


def sniff_delimiter(text: str) -> str:
    """The delimiter splitting the sample into the same number (> 1) of cells on most
    rows; runs of blanks when no character does; a comma for a one-column file."""
    best, best_score = ",", 0.0
    for d in (",", ";", "\t", "|", " "):
        counts = [len(r) for r in head_rows(text, d)]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        share = counts.count(common) / len(counts)
        # a real delimiter splits every row alike; blanks only win when nothing else does
        score = share * (1 if d != " " else 0.5) + min(common, 50) / 1000
        if share >= 0.8 and score > best_score:
            best, best_score = d, score
    return best


def _kind(cell: str) -> str:
    cell = cell.strip()
    if not cell:
        return "empty"
    return "number" if _NUMBERISH.match(cell) else "text"


def sniff_header(rows: list[list[str]]) -> bool:
    """A header when some column is text in the first row and numbers or dates below it,
    or when the first row repeats nowhere and has no number while the others do."""
    if len(rows) < 2:
        return True
    first, rest = rows[0], rows[1:]
    for i, cell in enumerate(first):
        below = [_kind(r[i]) for r in rest if i < len(r)]
        if _kind(cell) == "text" and below and all(k in ("number", "empty") for k in below) \
                and "number" in below:
            return True
    if any(_kind(c) == "number" for c in first):
        return False
    return len(set(first)) == len(first)


def _names(cells: list[str]) -> list[str]:
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = cell.strip() or f"column{i + 1}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def read_into(con: duckdb.DuckDBPyConnection, path: Path, spec: FileSpec, table: str,
              limit: int | None = None) -> ReadFile:
    """Copy ``path`` into the scratch table ``table`` (all text, plus ``_line``)."""
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_dir():
        raise InputError("a folder: name the file (or list the files in the mapping's "
                         "'files:')", file=str(path))
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES or suffix in JSONL_SUFFIXES:
            return _read_structured(con, path, table, limit)
        return _read_text(con, path, spec, table, limit)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read the file: {first}", file=str(path)) from exc


def _limit(limit: int | None) -> str:
    return f" LIMIT {int(limit)}" if limit is not None else ""


def _read_structured(con: duckdb.DuckDBPyConnection, path: Path, table: str,
                     limit: int | None) -> ReadFile:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        desc = con.sql("DESCRIBE SELECT * FROM read_parquet($p)", params={"p": str(path)}).fetchall()
        # nested values (GA4's event_params, items, geo) become JSON text
        cols = ", ".join(
            f"CAST(to_json({ident(n)}) AS VARCHAR) AS {ident(n)}"
            if any(k in str(t) for k in ("STRUCT", "MAP", "[]")) else
            f"CAST({ident(n)} AS VARCHAR) AS {ident(n)}" for n, t, *_ in desc)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {cols}, file_row_number + 1 AS _line "
                    f"FROM read_parquet($p, file_row_number = true){_limit(limit)}",
                    {"p": str(path)})
        names = tuple(r[0] for r in desc)
        container = "parquet"
    else:
        src = inspect(path, con)
        names = src.columns
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * EXCLUDE (_json) FROM "
                    f"({src.relation()}){_limit(limit)}", {"path": str(path)})
        container = "jsonl"
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    return ReadFile(path, table, names, container, None, True, rows)


def _read_text(con: duckdb.DuckDBPyConnection, path: Path, spec: FileSpec, table: str,
               limit: int | None) -> ReadFile:
    encoding = encoding_of(path)
    text = head_text(path, encoding)
    if not text.strip():
        raise InputError("the file holds only blank lines", file=str(path))
    delimiter = spec.delimiter or sniff_delimiter(text)
    rows = head_rows(text, delimiter)
    header = spec.header if spec.header is not None else sniff_header(rows)
    width = max(len(r) for r in rows)
    if spec.columns:
        names = _names(list(spec.columns))
        if len(names) < width:
            names += [f"column{i + 1}" for i in range(len(names), width)]
    elif header:
        names = _names(rows[0])
    else:
        names = [f"column{i + 1}" for i in range(width)]
    first_line = 2 if header else 1
    if delimiter == " ":
        raw = f"{table}__raw"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT _text FROM read_csv($p, "
            "columns = {'_text': 'VARCHAR'}, header = false, delim = '\x1e', quote = '', "
            f"escape = '', auto_detect = false, strict_mode = false, encoding = {lit(encoding)})",
            {"p": str(path)})
        n = len(names)
        cells = [f"l[{i + 1}] AS {ident(c)}" for i, c in enumerate(names[:-1])]
        cells.append(f"array_to_string(l[{n}:], ' ') AS {ident(names[-1])}")
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(cells)}, _line FROM ("
            f"SELECT regexp_split_to_array(trim(_text), '\\s+') AS l, rowid + 1 AS _line "
            f"FROM {raw} WHERE trim(_text) <> '') WHERE _line >= {first_line}{_limit(limit)}")
        con.execute(f"DROP TABLE {raw}")
    else:
        columns = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in names) + "}"
        con.execute(
            f"CREATE OR REPLACE TABLE {table}__rows AS SELECT * FROM read_csv($p, columns = "
            f"{columns}, header = {'true' if header else 'false'}, auto_detect = false, "
            f"delim = {lit(delimiter)}, quote = '\"', escape = '\"', encoding = {lit(encoding)}, "
            f"strict_mode = false, null_padding = false){_limit(limit)}", {"p": str(path)})
        # rowid is the insertion order, the file's order: the line number is a view over
        # it (an UPDATE writing it into every row cost as much as reading the file)
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT *, rowid + {first_line} AS _line "
                    f"FROM {table}__rows")
    n_rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    return ReadFile(path, table, tuple(names), "csv" if delimiter != " " else "text",
                    delimiter, header, n_rows)
