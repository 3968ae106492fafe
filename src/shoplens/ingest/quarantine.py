"""Rejected rows: never dropped silently.

Each bad row is kept with the file, line, field, reason and the raw row, first in the
scratch database, then (inside the load's transaction) in the ``quarantine`` table, and
after the commit as a CSV beside the database. In strict mode the first bad row fails the
load instead, naming file, line and field.
"""

from __future__ import annotations

import collections
import hashlib
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.ingest.scratch import Scratch


class Quarantine:
    def __init__(self, scratch: Scratch, files: list[str], *, strict: bool) -> None:
        self.scratch = scratch
        self.files = files
        self.strict = strict
        self.counts: collections.Counter[int] = collections.Counter()

    def add(self, file_no: int, rows: pa.Table) -> None:
        """Keep ``rows`` (columns ``_line``, ``_field``, ``_reason``, ``_raw``)."""
        if rows.num_rows == 0:
            return
        if self.strict:
            first = pc.index(rows.column("_line"), pc.min(rows.column("_line")))
            i = first.as_py()
            raise InputError(
                f"{rows.column('_reason')[i].as_py()} (strict mode: nothing was loaded)",
                file=self.files[file_no], line=rows.column("_line")[i].as_py(),
                field=rows.column("_field")[i].as_py(),
            )
        with self.scratch.registered(rows) as name:
            self.scratch.execute(
                f"INSERT INTO quarantine SELECT $file, _line, _field, _reason, _raw FROM {name}",
                {"file": file_no},
            )
        self.counts[file_no] += rows.num_rows

    def top_reason(self, file_no: int) -> str | None:
        """The most frequent reason rows of one file were quarantined for (with its field)."""
        row = self.scratch.one(
            "SELECT reason, field FROM quarantine WHERE file = $file GROUP BY reason, field "
            "ORDER BY count(*) DESC, min(line) LIMIT 1", {"file": file_no})
        if not row:
            return None
        reason, field = row
        return f"{reason} (field {field!r})" if field else str(reason)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def _rows(self, load_id: int) -> pa.Table:
        names = pa.array(self.files, pa.string())
        table = self.scratch.sql(
            "SELECT file, line, field, reason, raw FROM quarantine ORDER BY file, line, reason"
        )
        return pa.table({
            "load_id": pa.array([load_id] * table.num_rows, pa.int64()),
            "file": pc.take(names, table.column("file")),
            "line": table.column("line"),
            "field": table.column("field"),
            "reason": table.column("reason"),
            "raw": table.column("raw"),
        })

    def flush(self, engine: Engine, load_id: int) -> None:
        """Into the ``quarantine`` table (inside the load's transaction)."""
        if self.total:
            engine.append_arrow("quarantine", self._rows(load_id))

    def write_csv(self, path: Path, load_id: int) -> Path | None:
        """The CSV beside the database (after the commit)."""
        if not self.total:
            return None
        import pyarrow.csv as pacsv

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".csv.part")
        pacsv.write_csv(self._rows(load_id), tmp)
        tmp.replace(path)
        return path


def default_quarantine_dir(engine: Engine) -> Path:
    """Beside the database file (DuckDB), else ``$SHOPLENS_QUARANTINE_DIR``, else
    ``./shoplens-quarantine``."""
    path = getattr(engine, "path", None)
    if isinstance(path, str) and path and path != ":memory:":
        return Path(path).resolve().parent
    return Path(os.environ.get("SHOPLENS_QUARANTINE_DIR") or "shoplens-quarantine").resolve()


def quarantine_csv_name(engine: Engine, load_id: int) -> str:
    """``<database>.quarantine.load-<id>.csv``: the DuckDB file's stem, else the database
    name with a short hash of its server and schema, so that two databases loaded from
    one folder (load 1 of each) never overwrite each other's CSV."""
    path = getattr(engine, "path", None)
    if isinstance(path, str) and path not in ("", ":memory:"):
        stem = Path(path).stem
    else:
        from urllib.parse import urlsplit

        parts = urlsplit(engine.url)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", parts.path.strip("/")) or "shoplens"
        where = f"{parts.hostname}:{parts.port}/{parts.path}?{parts.query}"
        stem = f"{name}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"
    return f"{stem}.quarantine.load-{load_id}.csv"
