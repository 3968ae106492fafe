"""``shoplens cohorts``: parse options into :class:`CohortParams`, compute, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shoplens.cli.common import (
    DbOption,
    JsonOption,
    console,
    engine_from,
    literal,
    out,
    params,
    print_json,
)
from shoplens.cli.common import parse_date as _date


def curves_path(plot: Path) -> Path:
    """Where ``--plot PATH`` puts the curves: ``PATH`` with ``-curves`` before the suffix."""
    return plot.with_name(f"{plot.stem}-curves{plot.suffix or '.png'}")


def register(app: typer.Typer) -> None:
    @app.command("cohorts")
    def cohorts_cmd(
        cohort_by: Annotated[str, typer.Option(
            "--cohort-by", help="signup, first_activity or first_purchase.")] = "signup",
        period: Annotated[str, typer.Option(
            help="Cohort width: day, week (Monday weeks) or month.")] = "month",
        offset_unit: Annotated[str, typer.Option(
            "--offset-unit", help="Column step: day, week or month.")] = "week",
        periods: Annotated[int, typer.Option(help="Number of columns (offsets 0..N-1).")] = 8,
        measure: Annotated[str, typer.Option(help="users, orders or revenue.")] = "users",
        kind: Annotated[str, typer.Option(
            help="classic (in N), rolling (in N or later) or cumulative (0..N; "
                 "with revenue: LTV per user).")] = "classic",
        activity: Annotated[str | None, typer.Option(
            help="What makes a user active (users measure): any or purchase. "
                 "Default: purchase for first_purchase cohorts, else any.")] = None,
        observed_from: Annotated[str | None, typer.Option(
            "--observed-from", help="First day the data covers (default: first event).")] = None,
        observed_until: Annotated[str | None, typer.Option(
            "--observed-until", help="Last day the data covers (default: last event).")] = None,
        plot: Annotated[Path | None, typer.Option(
            help="Write the heatmap PNG here and the curves beside it (NAME-curves.png).")
        ] = None,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Cohort retention matrix; censored cells are blank (null in JSON), never 0."""
        from shoplens.cohorts import CohortParams, compute_cohorts

        chosen = params(
            CohortParams, cohort_by=cohort_by, period=period, offset_unit=offset_unit,
            periods=periods, measure=measure, kind=kind, activity=activity,
            observed_from=_date(observed_from, "--observed-from"),
            observed_until=_date(observed_until, "--observed-until"),
        )
        with engine_from(db) as engine:
            result = compute_cohorts(engine, chosen)
        if plot is not None:
            from shoplens.cohorts.plots import curves_png, heatmap_png

            heatmap_png(result, plot)
            curves_png(result, curves_path(plot))
            console.print(f"wrote {literal(plot)} and {literal(curves_path(plot))}")
        if json_out:
            print_json(result.to_json_dict())
            return
        _print_table(result)


def _print_table(result: object) -> None:
    from shoplens.cohorts.plots import footnote, format_value, title
    from shoplens.cohorts.result import CohortResult

    assert isinstance(result, CohortResult)
    if not result.rows:
        out.print("no cohorts: the database has no events in the observed range")
        return
    table = Table(title=literal(title(result)), title_justify="left")
    table.add_column("cohort", justify="left")
    table.add_column("size", justify="right")
    for n in result.offsets:
        table.add_column(str(n), justify="right")
    for row in result.rows:
        table.add_row(literal(row.label), f"{row.size:,}",
                      *[format_value(v, result.unit) for v in row.values])
    table.add_row("weighted avg", f"{result.total_users:,}",
                  *[format_value(v, result.unit) for v in result.average], style="bold")
    out.print(table)
    out.print(literal(footnote(result)), style="dim")
