"""``shoplens load PATH... [--format ...] [--strict] [--guest-orders] [--db URL]``, with a
declared mapping (``--format orders|events --map FIELD=COLUMN``, ``--mapping FILE``,
``--preset NAME``), and ``shoplens load --describe FILE``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, Field
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shoplens.cli.common import (
    DbOption,
    JsonOption,
    console,
    engine_from,
    out,
    params,
    parse_date,
    print_json,
)


class LoadParams(BaseModel):
    paths: list[Path]
    format: str = "auto"
    strict: bool = False
    guest_orders: bool = False
    quarantine_dir: Path | None = None
    maps: list[str] = []
    mapping: Path | None = None
    preset: str | None = None
    earliest: datetime = datetime(1990, 1, 1)
    max_future_days: float = Field(1.0, ge=0, le=36_600)
    wait: bool = True


def register(app: typer.Typer) -> None:
    @app.command("load")
    def load_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Files or platform-csv folders.")],
        format: Annotated[str, typer.Option(
            "--format", "-f",
            help="auto | platform-csv | rees46 | online-retail | clickstream | parquet, or "
            "orders | events with --map/--mapping/--preset")] = "auto",
        maps: Annotated[list[str] | None, typer.Option(
            "--map", help="FIELD=COLUMN of a declared mapping (repeatable), e.g. "
            "--map user_id=Customer --map order_time=Date --map amount=Sales.")] = None,
        mapping: Annotated[Path | None, typer.Option(
            "--mapping", help="A mapping YAML file (columns, joined files, delimiter, "
            "header, date formats, currency, refunds); see docs/ingest.md.")] = None,
        preset: Annotated[str | None, typer.Option(
            "--preset", help="A platform's mapping: shopify, woocommerce, magento, "
            "bigcommerce, ga4, segment, rudderstack, snowplow, transactions.")] = None,
        describe: Annotated[bool, typer.Option(
            "--describe", help="Propose a mapping for the file from its header and first "
            "rows; loads nothing.")] = False,
        strict: Annotated[bool, typer.Option(
            "--strict", help="Fail on any bad row; nothing is written.")] = False,
        guest_orders: Annotated[bool, typer.Option(
            "--guest-orders", help="Load order lines without a customer id as guest orders.")]
        = False,
        quarantine_dir: Annotated[Path | None, typer.Option(
            "--quarantine-dir", help="Folder for the quarantine CSV (default: beside the "
            "DuckDB file, else ./shoplens-quarantine).")] = None,
        earliest: Annotated[str, typer.Option(
            "--earliest", help="Times before this day are implausible: such rows are "
            "quarantined.")] = "1990-01-01",
        max_future_days: Annotated[float, typer.Option(
            "--max-future-days", help="Times more than this many days after the load are "
            "implausible: such rows are quarantined.")] = 1.0,
        no_wait: Annotated[bool, typer.Option(
            "--no-wait", help="Fail at once if another load into the database is running "
            "(default: wait for it).")] = False,
        db: DbOption = None,
        json: JsonOption = False,
    ) -> None:
        """Load event logs, order lines or a platform export into the database."""
        if describe:
            from shoplens.cli.load_describe import run_describe

            run_describe(paths, json)
            return
        day = parse_date(earliest, "--earliest")
        run_load(params(LoadParams, paths=paths, format=format, strict=strict,
                        guest_orders=guest_orders, quarantine_dir=quarantine_dir,
                        maps=maps or [], mapping=mapping, preset=preset,
                        earliest=datetime(day.year, day.month, day.day) if day else None,
                        max_future_days=max_future_days, wait=not no_wait), db, json)


def run_load(params: LoadParams, db: str | None, as_json: bool) -> None:
    from shoplens.cli.load_describe import mapping_of
    from shoplens.ingest import load

    declared = mapping_of(params)

    with engine_from(db) as engine, Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(), console=console, transient=True, disable=as_json,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(desc: str, done: int, total: int | None) -> None:
            if desc not in tasks:
                tasks[desc] = bar.add_task(escape(desc), total=total)
            bar.update(tasks[desc], completed=done, total=max(total or 0, done) or None)

        report = load(engine, params.paths, format=params.format, strict=params.strict,
                      guest_orders=params.guest_orders, quarantine_dir=params.quarantine_dir,
                      progress=progress, mapping=declared,
                      mapping_dir=params.mapping.parent if params.mapping else None,
                      earliest=params.earliest,
                      max_future=timedelta(days=params.max_future_days), wait=params.wait,
                      on_wait=lambda msg: console.print(escape(msg), highlight=False))
    if as_json:
        doc = report.model_dump(mode="json")
        doc.update(rows_read=report.rows_read, rows_loaded=report.rows_loaded,
                   rows_updated=report.rows_updated,
                   rows_quarantined=report.rows_quarantined,
                   rows_already_present=report.rows_already_present,
                   rejected_files=report.rejected_files)
        print_json(doc)
        _exit_if_rejected(report)
        return
    for f in report.files:
        console.print(f"detected [bold]{escape(f.format)}[/] ({escape(f.layout)}) in "
                      f"{escape(f.path)}", highlight=False, soft_wrap=True)
    table = Table(title=f"load {report.load_id if report.load_id is not None else '(nothing new)'}")
    for col in ("file", "format", "read", "inserted", "updated", "quarantined",
                "already present"):
        table.add_column(col, justify="left" if col in ("file", "format") else "right",
                         overflow="fold")
    for f in report.files:
        table.add_row(escape(f.path), escape(f.layout), f"{f.rows_read:,}", f"{f.rows_loaded:,}",
                      f"{f.rows_updated:,}", f"{f.rows_quarantined:,}",
                      "skipped: already loaded" if f.skipped else f"{f.rows_already_present:,}")
    table.add_row("total", "", f"{report.rows_read:,}", f"{report.rows_loaded:,}",
                  f"{report.rows_updated:,}", f"{report.rows_quarantined:,}",
                  f"{report.rows_already_present:,}", style="bold")
    out.print(table)
    merged = [f"{t}: {m['inserted']:,} inserted, {m['updated']:,} updated"
              for t, m in sorted(report.merged.items())]
    if merged:
        console.print("; ".join(merged), highlight=False, soft_wrap=True)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    if report.quarantine_csv:
        console.print(f"quarantined rows (file, line, field, reason, raw): "
                      f"{escape(str(report.quarantine_csv))} and the quarantine table",
                      highlight=False, soft_wrap=True)
    console.print(f"{report.rows_read:,} rows in {report.seconds:.1f} s "
                  f"({report.rows_per_second:,.0f} rows/s)", highlight=False, soft_wrap=True)
    _exit_if_rejected(report)


def _exit_if_rejected(report: object) -> None:
    """A file none of whose rows could be loaded is a failure, even if others loaded."""
    rejected = report.rejected_files  # type: ignore[attr-defined]
    if rejected:
        console.print(f"[bold red]error:[/] nothing of {escape(', '.join(rejected))} could be "
                      "loaded: every row was quarantined (see the warning above)",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(1)
