"""Opening a source file: its container (CSV, Parquet, JSON lines), header, encoding and
the streaming relation the scratch DuckDB reads it through.

Every relation has the file's columns as text plus ``_line``: the line number in a CSV
(header = line 1, so the first data row is line 2; a quoted field holding a line break
counts as one line; numbered by the loader, see ``SourceFile.numbered_by_loader``), the
line in a JSON-lines file, the 1-based row number in Parquet.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from shoplens.errors import InputError
from shoplens.ingest.validation import ident, lit

PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_SNIFF_BYTES = 4 << 20


#: suffixes of compressed text DuckDB's CSV reader opens
_COMPRESSED = (".gz", ".gzip", ".zst", ".zstd", ".bz2", ".xz", ".zip")
#: the bytes that are control characters other than tab, line feed and carriage return
#: (``shoplens.ingest.validation.CONTROL_CHARS``). In UTF-8 and single-byte encodings a
#: control character is exactly one of these bytes; in UTF-16 its code unit holds one.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def has_control_bytes(path: Path, chunk: int = 1 << 22) -> bool:
    """Whether any byte of the file is a control character (other than tab and line
    ends). ``bytes.translate`` scans about 1 GB/s, against ~0.8 CPU-s per million rows
    for checking every value of a nine-column file by regular expression."""
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            if len(block.translate(None, _CONTROL_BYTES)) != len(block):
                return True
    return False


@dataclass(frozen=True)
class SourceFile:
    """A file to read, inspected but not yet read."""

    path: Path
    container: str  # "csv" | "parquet" | "jsonl"
    columns: tuple[str, ...]
    encoding: str = "utf-8"
    delimiter: str = ","
    list_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def numbered_by_loader(self) -> bool:
        """True when ``_line`` is left NULL by :meth:`relation` for the loader to number
        the rows as they arrive: CSV rows come out of the scratch DuckDB in file order
        (it preserves insertion order) even though it parses them in parallel, and the
        first data row is line 2."""
        return self.container == "csv"

    def may_hold_control_characters(self) -> bool:
        """False when the file's bytes hold no control character at all (see
        :func:`has_control_bytes`), so that its values need no check for them. Only a
        plain CSV can tell: JSON decodes ``\\u0000`` escapes, Parquet is binary, a
        compressed file's bytes are not its text."""
        if self.container != "csv" or self.path.suffix.lower() in _COMPRESSED:
            return True
        return has_control_bytes(self.path)

    def params(self) -> dict[str, str]:
        """The parameters :meth:`relation` binds."""
        return {"path": str(self.path)}

    def relation(self) -> str:
        """SQL for the streaming relation (binds ``$path``)."""
        if self.container == "parquet":
            cols = ", ".join(
                f"CAST(to_json({ident(c)}) AS VARCHAR) AS {ident(c)}" if c in self.list_columns
                else f"CAST({ident(c)} AS VARCHAR) AS {ident(c)}"
                for c in self.columns
            )
            return (f"SELECT {cols}, file_row_number + 1 AS _line "
                    f"FROM read_parquet($path, file_row_number = true)")
        if self.container == "jsonl":
            cols = ", ".join(
                f"CASE WHEN json_valid(_json) THEN CAST(json_extract(_json, {_json_path(c)}) "
                f"AS VARCHAR) END AS {ident(c)}"
                if c in self.list_columns else
                f"CASE WHEN json_valid(_json) THEN json_extract_string(_json, {_json_path(c)}) "
                f"END AS {ident(c)}"
                for c in self.columns
            )
            # One text column per line: a delimiter and quote that JSON never holds raw.
            return (
                "SELECT * FROM (SELECT "
                f"{cols}, _json, row_number() OVER () AS _line FROM read_csv($path, "
                "columns = {'_json': 'VARCHAR'}, header = false, delim = '\x1e', quote = '', "
                "escape = '', auto_detect = false, strict_mode = false)) WHERE _json IS NOT NULL"
            )
        # The header is parsed here, not sniffed: a ragged row is an error, never a guess.
        # _line is numbered by the loader (see numbered_by_loader): a row_number() window
        # here would make DuckDB parse the whole file on one thread.
        columns = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in self.columns) + "}"
        return (
            "SELECT *, CAST(NULL AS BIGINT) AS _line FROM read_csv($path, "
            f"columns = {columns}, header = true, auto_detect = false, delim = {lit(self.delimiter)}, "
            f"quote = '\"', escape = '\"', encoding = '{self.encoding}', strict_mode = true, "
            "null_padding = false)"
        )


def _json_path(key: str) -> str:
    # inside the quoted key a backslash escapes: a key ending in one must double it
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return "'$.\"" + escaped.replace("'", "''") + "\"'"


def _encoding(path: Path) -> str:
    """UTF-8 unless the first megabytes are not (exports from spreadsheets are often
    Latin-1, the UCI Online Retail CSVs among them)."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            return "latin-1"
    return "utf-8"


def inspect(path: Path, con: duckdb.DuckDBPyConnection) -> SourceFile:
    """Container and header of ``path``; an unreadable file is an InputError naming it."""
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            desc = con.sql("DESCRIBE SELECT * FROM read_parquet($p)", params={"p": str(path)}).fetchall()
            lists = frozenset(r[0] for r in desc if str(r[1]).endswith("[]"))
            return SourceFile(path, "parquet", tuple(r[0] for r in desc), list_columns=lists)
        if suffix in JSONL_SUFFIXES:
            keys: list[str] = []
            lists: set[str] = set()
            with path.open(encoding="utf-8", errors="replace") as fh:
                for _, line in zip(range(100), fh, strict=False):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(obj, dict):
                        for k, v in obj.items():
                            if k not in keys:
                                keys.append(k)
                            if isinstance(v, list | dict):
                                lists.add(k)
            if not keys:
                raise InputError("no JSON object in the first 100 lines", file=str(path))
            return SourceFile(path, "jsonl", tuple(keys), list_columns=frozenset(lists))
        encoding = _encoding(path)
        header, delimiter = _csv_header(path, encoding)
        return SourceFile(path, "csv", header, encoding=encoding, delimiter=delimiter)
    except duckdb.Error as exc:
        raise InputError(f"cannot read the file: {_first_line(exc)}", file=str(path)) from exc


def _csv_header(path: Path, encoding: str) -> tuple[tuple[str, ...], str]:
    """The header row and delimiter (comma, semicolon, tab or pipe) of a CSV file."""
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline().lstrip("\ufeff")
    if not first.strip():
        raise InputError("the first line is empty (a header row is needed)", file=str(path))
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    cells = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter))
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = cell.strip() or f"column{i + 1}"
        while name in names:  # DuckDB needs distinct names
            name += "_"
        names.append(name)
    return tuple(names), delimiter


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
