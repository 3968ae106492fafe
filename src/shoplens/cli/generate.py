"""``shoplens generate``: write a synthetic shop in the platform-csv layout."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shoplens.cli.common import JsonOption, console, literal, out, params, print_json
from shoplens.generate.params import DEFAULT_START, GenerateParams, GenerateSummary


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def generate_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the data set into.")],
    users: Annotated[int, typer.Option("--users", help="Shoppers who sign up in the period.")] = 20_000,
    months: Annotated[int, typer.Option("--months", help="Length of the period in months.")] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 42,
    start: Annotated[str, typer.Option("--start", help="First day of the period, YYYY-MM-DD.")] = (
        DEFAULT_START.isoformat()),
    events: Annotated[int | None, typer.Option(
        "--events", help="Target total events (about ±10%); picks the number of users.")] = None,
    products: Annotated[int | None, typer.Option(
        "--products", help="Catalogue size (default scales with users).")] = None,
    parquet: Annotated[bool, typer.Option("--parquet", help="Write Parquet instead of CSV/JSONL.")] = False,
    anomalies: Annotated[int, typer.Option(
        "--anomalies", help="Inject N labelled anomalies (labels in anomalies.json).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Generate a realistic synthetic shop (users with hidden personas, products, sessions,
    view → cart → purchase funnels, site searches) in the platform-csv layout."""
    chosen = params(GenerateParams, users=users, months=months, seed=seed,
                    start=_parse_date(start), events=events, products=products, parquet=parquet,
                    anomalies=anomalies)

    from shoplens.generate import generate

    with Progress(TextColumn("[bold]{task.description:<28}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  console=console, transient=as_json) as bar:
        task = bar.add_task("generating", total=1.0)

        def progress(desc: str, frac: float) -> None:
            bar.update(task, description=desc, completed=frac)

        summary = generate(chosen, out_dir, progress)
    if as_json:
        print_json(summary)
    else:
        _print_summary(summary)


def _print_summary(s: GenerateSummary) -> None:
    t = Table(title=f"Generated shop in {literal(s.out)}", show_header=False,
              title_justify="left")
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_row("period", f"{s.start} – {s.end} (exclusive)")
    t.add_row("users", f"{s.users:,}")
    t.add_row("products", f"{s.products:,}")
    t.add_row("sessions", f"{s.sessions:,}")
    t.add_row("events", f"{s.events:,}")
    for name, n in s.event_counts.items():
        t.add_row(f"  {literal(name)}", f"{n:,}")
    t.add_row("searches", f"{s.searches:,}")
    t.add_row("seconds", f"{s.seconds:.1f} ({s.events_per_second:,.0f} events/s)")
    out.print(t)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)
