"""Options and helpers every command shares: the database URL, JSON output, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console

from shoplens.engines import DB_ENV, Engine, connect
from shoplens.errors import ShopLensError

console = Console(stderr=True)
out = Console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar=DB_ENV, help="duckdb:PATH (default ./shoplens.duckdb) or postgresql://..."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, datetime | date):
        return o.isoformat()
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(doc: Any) -> str:
    return json.dumps(doc, default=_default, indent=2, allow_nan=False)


def print_json(doc: Any) -> None:
    sys.stdout.write(dumps(doc) + "\n")


@contextmanager
def engine_from(db: str | None) -> Iterator[Engine]:
    engine = connect(db)
    try:
        yield engine
    finally:
        engine.close()


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


__all__ = ["DbOption", "JsonOption", "ShopLensError", "console", "dumps", "engine_from",
           "fail", "out", "print_json"]
