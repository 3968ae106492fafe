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
from rich.table import Table

from shoplens.engines import DB_ENV, Engine, connect
from shoplens.errors import ShopLensError


class FittingConsole(Console):
    """A console whose tables never cut a value to ``20…``: columns wrap whole words (or
    fold a word longer than the column), and a table too wide for the terminal even so
    (its longest words do not fit side by side) is pivoted: one block of ``column value``
    lines per row."""

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().print(*(fit_table(o, self.width) if isinstance(o, Table) else o
                        for o in objects), **kwargs)


#: a path or URL (a word with "/") needs only this much: it may fold rather than force a pivot
FOLDABLE_WORD = 12


def _longest_word(text: object) -> int:
    return max((FOLDABLE_WORD if "/" in w else len(w) for w in str(text).split()), default=0)


def fit_table(table: Table, width: int) -> Table:
    """``table`` with folding columns, or pivoted when its words cannot fit in ``width``."""
    for col in table.columns:
        col.overflow = "fold"
    needed = sum(max(_longest_word(col.header), *(_longest_word(c) for c in col._cells), 1)
                 + 3 for col in table.columns) + 1
    if needed <= width or len(table.columns) < 3:
        for col in table.columns:
            col.no_wrap = False
        return table
    pivot = Table(title=table.title, title_justify=table.title_justify, show_header=False)
    pivot.add_column("column", style="bold", no_wrap=True)
    pivot.add_column("value", overflow="fold")
    n_rows = max((len(c._cells) for c in table.columns), default=0)
    for i in range(n_rows):
        for col in table.columns:
            pivot.add_row(col.header, col._cells[i] if i < len(col._cells) else "")
        if i < n_rows - 1:
            pivot.add_section()
    return pivot


console = FittingConsole(stderr=True)
out = FittingConsole()

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
