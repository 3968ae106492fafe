"""The ``shoplens`` command. Each capability registers its commands from its own module;
this file only assembles them and turns ShopLens errors into clean messages."""

from __future__ import annotations

import importlib

import typer
from rich.markup import escape

from shoplens.cli.common import console
from shoplens.errors import ShopLensError

app = typer.Typer(
    name="shoplens",
    help="Open e-commerce analytics: load events, measure, find cohorts and segments, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Modules that define ``register(app)``; a capability adds itself here.
COMMAND_MODULES = (
    "shoplens.cli.load",
    "shoplens.cli.generate",
    "shoplens.cli.metrics",
    "shoplens.cli.cohorts",
    "shoplens.cli.segments",
    "shoplens.cli.events",
    "shoplens.cli.report",
    "shoplens.cli.demo",
    "shoplens.cli.lake",
    "shoplens.cli.insights",
    "shoplens.cli.funnels",
    "shoplens.cli.serve",
    "shoplens.cli.ask",
)

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
        continue
    _module.register(app)


def main() -> None:
    try:
        app()
    except ShopLensError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
