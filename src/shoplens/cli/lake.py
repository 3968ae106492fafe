"""``shoplens export --lake DIR``: the data model as a Parquet lake for Spark."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.common import DbOption, JsonOption, console, engine_from, literal, out, print_json

TablesOption = Annotated[
    list[str] | None,
    typer.Option("--table", help="Export only this table (repeatable). Default: every table."),
]


def export(
    lake: Annotated[Path, typer.Option("--lake", help="Lake folder to write (created if missing).")],
    db: DbOption = None,
    table: TablesOption = None,
    chunk_days: Annotated[int, typer.Option(help="Days of events fetched at a time.")] = 31,
    json_out: JsonOption = False,
) -> None:
    """Write events (partitioned by event date) and the dimension tables as a Parquet lake.

    Then run the same analyses on Spark with --db 'spark://local[*]?lake=DIR'.
    """
    from shoplens.lake.export import TABLES, ExportParams, export_lake

    params = ExportParams(lake=lake, tables=tuple(table) if table else TABLES,
                          chunk_days=chunk_days)
    with engine_from(db) as engine:
        summary = export_lake(engine, params, progress=not json_out)
    if json_out:
        print_json(asdict(summary))
        return
    for name, rows in summary.rows.items():
        out.print(f"{literal(name):<12} {rows:>12,} rows  {summary.files.get(name, 0):>6,} files")
    console.print(f"exported to {literal(summary.lake)} in {summary.seconds:.1f} s "
                  f"({summary.partitions:,} event-date partitions)")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
