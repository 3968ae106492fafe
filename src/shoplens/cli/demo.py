"""``shoplens demo``: from nothing to a report, on DuckDB, with no server, key or network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.common import console, literal, params


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        out_dir: Annotated[Path, typer.Option("--out", help="Folder for the data, the DuckDB "
                                              "file and the report.")] = Path("shoplens-demo"),
        users: Annotated[int, typer.Option("--users", min=10, help="Shoppers to generate.")]
        = 20_000,
        months: Annotated[int, typer.Option("--months", min=1, help="Months of activity.")] = 12,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the generator.")] = 42,
    ) -> None:
        """Generate a shop, load it into DuckDB, run every analysis, write the report."""
        from shoplens.demo import DemoParams, run_demo

        result = run_demo(params(DemoParams, out=out_dir, users=users, months=months, seed=seed),
                          console=console)
        bad = [s for s in result.stages if s.status != "ok"]
        console.print(f"Demo finished in {result.seconds:.0f} s (CPU {result.cpu_seconds:.0f} s)"
                      + (f" with {len(bad)} stage(s) not ok: "
                         + literal(", ".join(f"{s.name} ({s.status})" for s in bad)) if bad
                         else ""),
                      highlight=False)
        if result.files is None:
            raise typer.Exit(1)
        typer.echo(str(result.files.html.resolve()))  # plain: a path must not be wrapped
        if any(s.status == "failed" for s in result.stages):
            raise typer.Exit(1)
