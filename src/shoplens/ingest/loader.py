"""``load()``: files in, one transaction, a report out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from shoplens.engines import Engine, load_sql
from shoplens.errors import InputError
from shoplens.ingest import derived
from shoplens.ingest.context import LoadContext
from shoplens.ingest.detect import plan
from shoplens.ingest.digests import Digests
from shoplens.ingest.file_run import ProgressFn, run_file
from shoplens.ingest.hooks import LoadScope, run_post_load
from shoplens.ingest.ids import FINGERPRINT, hash_fingerprint
from shoplens.ingest.layout import EARLIEST, MAX_FUTURE, Options
from shoplens.ingest.mapping import Mapping, plan_mapped
from shoplens.ingest.quarantine import Quarantine, default_quarantine_dir, quarantine_csv_name
from shoplens.ingest.report import FileReport, LoadReport
from shoplens.ingest.scratch import Scratch
from shoplens.ingest.sinks import (
    EventsSink,
    OrderLinesSink,
    ProductsSink,
    SearchSink,
    UsersSink,
)

__all__ = ["ProgressFn", "load", "run_post_load"]

#: the table whose rows a file's rows are (order lines also feed events)
_TARGET = {"events": "events", "order_lines": "order_items", "search": "search_logs",
           "users": "users", "products": "products"}


def load(
    engine: Engine,
    paths: str | Path | Iterable[str | Path],
    *,
    format: str = "auto",
    strict: bool = False,
    guest_orders: bool = False,
    quarantine_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    mapping: Mapping | None = None,
    mapping_dir: str | Path | None = None,
    earliest: datetime | None = None,
    max_future: timedelta | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load files into the ShopLens tables, in one transaction.

    Parameters
    ----------
    engine
        Target database; written only through ``Engine`` methods.
    paths
        Files, or platform-csv folders.
    format
        ``auto`` (detect from each header/schema), ``platform-csv``, ``rees46``,
        ``online-retail``, ``clickstream`` or ``parquet`` (any layout, as Parquet).
    strict
        Any bad row (or an event before its user's signup) fails the load; nothing is
        written.
    guest_orders
        Load order lines without a customer id as orders with no user instead of
        quarantining them (they get no events, which belong to users).
    quarantine_dir
        Where the quarantine CSV goes; default beside the DuckDB file, else
        ``./shoplens-quarantine``.
    progress
        Called as ``progress(description, rows_done, rows_total_estimate)``.
    mapping
        A declared mapping of an orders or events export (see
        :mod:`shoplens.ingest.mapping`); ``format`` is then ignored.
    mapping_dir
        Where the mapping's relative file paths start when ``paths`` names no folder.
    earliest, max_future
        The plausible window of times: a row whose time is before ``earliest`` (default
        1990-01-01) or more than ``max_future`` (default one day) after the load's start
        is quarantined with the reason ``implausible time``.
    wait, on_wait
        Loads into one database take turns: with ``wait`` (the default) a load finds
        another one running, tells ``on_wait`` and waits for it; without, it raises
        :class:`~shoplens.errors.BusyError` before writing anything.

    Returns
    -------
    LoadReport
        Per file: rows read, loaded, quarantined, already present.

    Notes
    -----
    Row ids hash the normalized row, so loading the same rows again (the same file, the
    file split in parts, the same data as Parquet) adds nothing; a file whose SHA-256 an
    earlier load recorded is skipped outright. Missing columns, unreadable files and
    unknown formats raise :class:`~shoplens.errors.InputError` before anything is written.
    """
    started = time.perf_counter()
    started_at = _now()
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise InputError("no input files given")
    path_list = [Path(p) for p in items]
    notes: list[str] = []
    report_progress = progress or (lambda _d, _n, _t: None)
    opts = Options(guest_orders=guest_orders, earliest=earliest or EARLIEST,
                   max_future=MAX_FUTURE if max_future is None else max_future)
    with Scratch() as scratch:
        if mapping is not None:
            planned = plan_mapped(path_list, mapping, scratch.con, notes, opts,
                                  Path(mapping_dir) if mapping_dir else None)
        else:
            planned = plan(path_list, format, scratch.con, notes)
        if hash_fingerprint(scratch.con) != FINGERPRINT:
            notes.append("this DuckDB computes row ids differently from the one earlier loads "
                         "used: re-loading files loaded before will not be recognised as "
                         "duplicates")
        digests = Digests([p.src.path for p in planned])
        with engine.exclusive("load", wait=wait, on_wait=on_wait), engine.transaction():
            engine.execute_script(load_sql("shoplens.ingest", "tables.sql"))
            load_id = int(engine.scalar("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))
            previous = digests.candidates(engine)
            digests.start()
            files = [p.src.name for p in planned]
            quarantine = Quarantine(scratch, files, strict=strict)
            ctx = LoadContext(engine=engine, scratch=scratch, load_id=load_id, strict=strict,
                              quarantine=quarantine, files=files)
            derived.prepare_sessions(ctx)
            events = EventsSink(ctx)
            sinks = {"events": events, "order_lines": OrderLinesSink(ctx, events),
                     "search": SearchSink(ctx), "users": UsersSink(ctx),
                     "products": ProductsSink(ctx)}
            reports: list[FileReport] = []
            try:
                for file_no, p in enumerate(planned):
                    rep = FileReport(path=p.src.name, format=p.layout.format,
                                     layout=p.layout.name, sha256="")
                    reports.append(rep)
                    earlier = previous.get(file_no, {}).get(digests.full.get(file_no, ""))
                    # a mapped file is read again: the same bytes under a corrected mapping
                    # are other rows (identical rows are still found by their ids)
                    if earlier is not None and p.src.container != "mapped":
                        rep.skipped = f"identical to a file of load {earlier}; not read again"
                        continue
                    rep.rows_read = run_file(ctx, file_no, p, opts, sinks, report_progress)
                # the scratch reductions run while the target writes the last batches
                reduced = derived.reduce_all(ctx)
                ctx.sync()
            finally:
                ctx.close()
            sinks["order_lines"].finish()  # type: ignore[attr-defined]
            sinks["search"].finish()  # type: ignore[attr-defined]
            events.finish()
            derived.merge_users(ctx, reduced["users"])
            derived.merge_products(ctx, reduced["products"])
            derived.merge_sessions(ctx, reduced["sessions"])
            derived.merge_orders(ctx, reduced["orders"])
            for rep, digest in zip(reports, digests.result(), strict=True):
                rep.sha256 = digest
            for i, rep in enumerate(reports):
                if rep.skipped:
                    continue
                rep.rows_quarantined = quarantine.counts[i]
                rep.rows_already_present = ctx.already_present[_TARGET[planned[i].layout.kind]][i]
                if i in ctx.file_merge:  # a users/products file merged into existing rows
                    rep.rows_updated = ctx.file_merge[i]["updated"]
                    rep.rows_already_present += ctx.file_merge[i]["unchanged"]
                rep.rows_loaded = (rep.rows_read - rep.rows_quarantined - rep.rows_already_present
                                   - rep.rows_updated)
            warnings = list(notes)
            for i, rep in enumerate(reports):
                if not rep.skipped and rep.rows_read and rep.rows_quarantined == rep.rows_read:
                    warnings.append(
                        f"every row of {rep.path} was quarantined, most for: "
                        f"{quarantine.top_reason(i)}; is it the format, delimiter and decimal "
                        "separator the file was detected as?")
            if ctx.early_events:
                file, line = ctx.early_first or ("?", 0)
                warnings.append(
                    f"data quality: {ctx.early_events} event(s) precede their user's signup "
                    f"date (first: {file}, line {line}); loaded as they are")
            quarantine.flush(engine, load_id)
            wrote = any(not r.skipped for r in reports)
            if wrote:
                engine.execute(
                    "INSERT INTO loads (load_id, source, format, sha256, started_at, "
                    "finished_at, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
                    "warnings) VALUES (:id, :source, :format, :sha, :started, :finished, :read, "
                    ":loaded, :quarantined, :dup, :warnings)",
                    {"id": load_id, "source": "\n".join(r.path for r in reports if not r.skipped),
                     "format": ",".join(sorted({r.layout for r in reports if not r.skipped})),
                     "sha": " ".join(r.sha256 for r in reports if not r.skipped),
                     "started": started_at, "finished": _now(),
                     "read": sum(r.rows_read for r in reports),
                     "loaded": sum(r.rows_loaded for r in reports),
                     "quarantined": sum(r.rows_quarantined for r in reports),
                     "dup": sum(r.rows_already_present for r in reports),
                     "warnings": "\n".join(warnings) or None},
                )
                engine.append_arrow("load_files", pa.Table.from_pylist([
                    {"load_id": load_id, "file": r.path, "layout": r.layout,
                     "size": digests.sizes[i], "head_sha256": digests.heads[i],
                     "sha256": r.sha256, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                     "rows_quarantined": r.rows_quarantined,
                     "rows_already_present": r.rows_already_present}
                    for i, r in enumerate(reports) if not r.skipped]))
                run_post_load(engine, LoadScope(load_id=load_id, tables=frozenset(ctx.tables),
                                                min_time=ctx.min_time, max_time=ctx.max_time))
        csv = None
        if wrote and quarantine.total:
            folder = Path(quarantine_dir) if quarantine_dir else default_quarantine_dir(engine)
            csv = quarantine.write_csv(folder / quarantine_csv_name(engine, load_id), load_id)
    return LoadReport(
        load_id=load_id if wrote else None, files=reports, warnings=warnings,
        events_before_signup=ctx.early_events, quarantine_csv=csv, merged=ctx.merged,
        tables=sorted(ctx.tables), seconds=time.perf_counter() - started,
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
