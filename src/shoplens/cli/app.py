"""The ``shoplens`` command. Each capability registers its commands from its own module;
this file only assembles them and turns ShopLens errors into clean messages."""

from __future__ import annotations

import importlib

import typer

from shoplens.cli.common import run_app, set_debug

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
    "shoplens.cli.catalogue",
    "shoplens.cli.funnels",
    "shoplens.cli.clv",
    "shoplens.cli.alerts",
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


@app.callback()
def _options(debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of an error (also SHOPLENS_DEBUG=1).")) -> None:
    set_debug(debug)


def main() -> None:
    raise SystemExit(run_app(app))


if __name__ == "__main__":
    main()
