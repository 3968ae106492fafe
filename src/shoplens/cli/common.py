"""Options and helpers every command shares: the database URL, JSON output, errors.

Errors are turned into one ``error:`` line here, for every command: a ShopLens error, a
pydantic validation error of a command's options (named as the option the user typed),
anything else as an unexpected failure. ``--debug`` (or ``SHOPLENS_DEBUG=1``) adds the
traceback. Every message passes :func:`shoplens.redact.redact` first.
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shoplens.engines import DB_ENV, Engine, connect
from shoplens.errors import ConfigError, ShopLensError
from shoplens.redact import redact

try:  # Typer vendors its own click from 0.2x on; the running command's context is there
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older Typer on the public click
    from click import get_current_context

M = TypeVar("M", bound=BaseModel)
DEBUG_ENV = "SHOPLENS_DEBUG"
#: dates an option may name: anything outside is a typing mistake (and beyond the
#: range Python's date arithmetic allows near year 9999)
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)


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


def literal(value: object) -> str:
    """A value from data or a model, to print literally in Rich markup (``[bold]`` in a
    category name stays ``[bold]``); ``None`` prints as an empty cell."""
    return "" if value is None else escape(str(value))


def parse_date(value: str | None, option: str) -> date | None:
    """``YYYY-MM-DD`` from an option, or a :class:`ConfigError` naming the option."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise ConfigError(f"{option} {value!r} is out of range: give a day between "
                          f"{DATE_MIN} and {DATE_MAX}")
    return day


# -- options into parameter objects ----------------------------------------------------
def params(model: type[M], /, **values: Any) -> M:
    """``model(**values)``, a validation error becoming one :class:`ConfigError` that
    names the command-line option (``--steps``), not the field (``n_steps``).

    The option is found in the running command: the parameter with the field's name,
    else the one option whose value is the value given to the field.
    """
    try:
        return model(**values)
    except ValidationError as exc:
        raise options_error(exc, values) from None


def options_error(exc: ValidationError, values: dict[str, Any] | None = None) -> ConfigError:
    """One message for a validation error of a command's options."""
    parts = []
    for err in exc.errors()[:3]:
        loc = [str(p) for p in err["loc"]]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not loc:  # a check across options: say it in option names
            parts.append(f"invalid options: {_in_option_names(message)}")
            continue
        option = _option_for(loc, (values or {}).get(loc[0], err.get("input")))
        given = err.get("input")
        shown = "" if isinstance(given, dict | BaseModel) or given is None else f" {given!r}"
        parts.append(f"invalid {option}{shown}: {message}")
    return ConfigError("; ".join(parts))


def _option_for(loc: Sequence[str], value: object) -> str:
    ctx = get_current_context(silent=True)
    if ctx is not None:
        options = [p for p in ctx.command.params if _is_option(p)]
        for name in (loc[-1], loc[0]):
            for p in options:
                if p.name == name or p.name == f"{loc[0]}_{loc[-1]}":
                    return _longest(p)
        leaf = value if not isinstance(value, dict | BaseModel) else None
        same = [p for p in options if leaf is not None and not isinstance(leaf, bool)
                and ctx.params.get(p.name) == leaf
                and type(ctx.params.get(p.name)) is type(leaf)]
        if len(same) == 1:
            return _longest(same[0])
    return "--" + loc[-1].replace("_", "-")


def _in_option_names(message: str) -> str:
    ctx = get_current_context(silent=True)
    if ctx is None:
        return message
    for p in ctx.command.params:
        if _is_option(p) and p.name:
            # a one-word name only where it is used as a name ("measure='users'"), not
            # where it is an ordinary word of the sentence
            after = "" if "_" in p.name else r"(?=\s*=|\s\()"
            message = re.sub(rf"(?<![\w-]){p.name}\b{after}", _longest(p), message)
    return message


def _is_option(p: Any) -> bool:
    return getattr(p, "param_type_name", "") == "option" and bool(getattr(p, "opts", None))


def _longest(p: Any) -> str:
    return max(p.opts, key=len)


# -- running the app ---------------------------------------------------------------------
_debug = {"on": False}


def set_debug(on: bool) -> None:
    """Tracebacks with every error (the global ``--debug`` option)."""
    _debug["on"] = on


def debug_enabled() -> bool:
    return _debug["on"] or os.environ.get(DEBUG_ENV, "") not in ("", "0", "false", "no")


def error_line(message: str) -> None:
    console.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False,
                  soft_wrap=True)


def run_app(app: typer.Typer, args: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code. Bad input ends as one ``error:`` line and
    exit code 2, an unexpected failure as one line and exit code 1; the traceback only
    with ``--debug``."""
    try:
        app(args=list(args) if args is not None else None, prog_name="shoplens")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ShopLensError as exc:
        _traceback()
        error_line(str(exc))
        return 2
    except ValidationError as exc:
        _traceback()
        error_line(str(options_error(exc)))
        return 2
    except KeyboardInterrupt:
        error_line("interrupted; nothing of an unfinished load or analysis was kept")
        return 130
    except Exception as exc:  # a defect: still one line, the traceback on request
        _traceback()
        text = " ".join(str(exc).split()[:60]) or type(exc).__name__
        error_line(f"unexpected {type(exc).__name__}: {text} (run with --debug for the "
                   "traceback and report it)")
        return 1
    return 0


def _traceback() -> None:
    if debug_enabled():
        sys.stderr.write(redact(traceback.format_exc()))


__all__ = ["DbOption", "JsonOption", "ShopLensError", "console", "debug_enabled", "dumps",
           "engine_from", "error_line", "fail", "literal", "options_error", "out", "params",
           "parse_date", "print_json", "run_app", "set_debug"]
