"""One file of a load: its layout's validating SELECT streamed into the file's sink, bad
rows split off into the quarantine on the way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from shoplens.ingest import derived
from shoplens.ingest.batches import BATCH_ROWS, numbered, prefetched, rebatched
from shoplens.ingest.context import LoadContext
from shoplens.ingest.detect import Planned
from shoplens.ingest.layout import KIND_COLUMNS, Options
from shoplens.ingest.line_endings import mixes_line_endings, with_lf_endings
from shoplens.ingest.read_errors import read_error
from shoplens.ingest.validation import control_checks

#: ``progress(description, rows_done, rows_total_estimate_or_None)``
ProgressFn = Callable[[str, int, int | None], None]


def estimate_rows(path: Path, container: str) -> int | None:
    if container == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    lines = head.count(b"\n")
    if lines < 2:
        return None
    return max(1, round(size / (len(head) / lines)) - (1 if container == "csv" else 0))

def run_file(ctx: LoadContext, file_no: int, p: Planned, opts: Options,
              sinks: dict[str, object], progress: ProgressFn) -> int:
    """Stream one file through its layout's SELECT into its sink; returns rows read."""
    sc = ctx.scratch
    layout, src = p.layout, p.src
    sink = sinks[layout.kind]
    cols = [*KIND_COLUMNS[layout.kind], "_line"]
    sessionize = layout.sessionize_without is not None and p.resolved[layout.sessionize_without] is None
    total = estimate_rows(src.path, src.container)
    label = f"{src.path.name} ({layout.format})"
    progress(label, 0, total)
    with control_checks(src.may_hold_control_characters()):
        sql = layout.build(src, p.resolved, opts)
    rows = 0
    staged = f"sessionize_{file_no}"
    try:
        params = dict(src.params())
        if src.container == "csv" and mixes_line_endings(src.path):
            params["path"] = str(with_lf_endings(src.path, sc.folder))
        # only a layout with a time output checks the plausible window
        if "$time_min" in sql:
            params.update(opts.time_window())
        reader = sc.con.sql(sql, params=params or None).to_arrow_reader(BATCH_ROWS)
        if sessionize:
            sc.execute(f"CREATE TABLE {staged} AS SELECT {', '.join(cols)} FROM ({sql}) "
                       "WHERE FALSE", params or None)
        batches = rebatched(reader)
        if src.numbered_by_loader:
            batches = numbered(batches, first=2)
        for table in prefetched(batches):
            rows += table.num_rows
            reasons = table.column("_reason")
            if reasons.null_count != table.num_rows:
                bad = pc.is_valid(reasons)
                ctx.quarantine.add(file_no, table.filter(bad).select(
                    ["_line", "_field", "_reason", "_raw"]))
                table = table.filter(pc.invert(bad))
            table = table.select(cols)
            if sessionize:
                with sc.registered(table) as name:
                    sc.execute(f"INSERT INTO {staged} SELECT * FROM {name}")
            elif table.num_rows:
                sink.feed(file_no, table)  # type: ignore[attr-defined]
            progress(label, rows, total)
        if sessionize:
            out = sc.con.sql(derived.sessionize_sql(staged)).to_arrow_reader(BATCH_ROWS)
            for table in rebatched(out):
                sink.feed(file_no, table.select(cols))  # type: ignore[attr-defined]
            sc.execute(f"DROP TABLE {staged}")
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        raise read_error(exc, src.name) from exc
    progress(label, rows, rows)
    return rows
