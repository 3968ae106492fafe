"""Rejected rows: never dropped silently.

Each bad row is kept with the file, line, field, reason and the raw row, first in the
scratch database, then (inside the load's transaction) in the ``quarantine`` table, and
after the commit as a CSV beside the database. In strict mode the first bad row fails the
load instead, naming file, line and field.
"""

from __future__ import annotations

import collections
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
