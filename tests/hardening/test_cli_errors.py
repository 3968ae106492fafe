"""No command ends in a traceback for bad input: one ``error:`` line naming the option,
exit code 2; the traceback only with ``--debug``."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from shoplens.cli.app import app

#: a bad value for each command, and the option the message must name
BAD_OPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "load": (("x.csv", "--format", "excel"), "excel"),
    "generate": (("--out", "{tmp}/g", "--users", "-3"), "--users"),
    "metrics": (("--to", "9999-12-31"), "--to"),
    "bench": (("--repeat", "0"), "--repeat"),
    "cohorts": (("--periods", "0"), "--periods"),
    "index-searches": (("--search", "http://127.0.0.1:99999"), "--search"),
    "segment": (("--method", "nope"), "--method"),
    "search": (("q", "--search", "http://127.0.0.1:port"), "--search"),
    "events categorize": (("--llm-timeout", "0"), "--llm-timeout"),
    "events patterns": (("--steps", "-1"), "--steps"),
    "events insights": (("--llm-timeout", "-1"), "--llm-timeout"),
    "report": (("--skip", "nonsense", "--out", "{tmp}/r"), "--skip"),
    "demo": (("--users", "3", "--out", "{tmp}/d"), "--users"),
    "export": (("--lake", "{tmp}/lake", "--chunk-days", "0"), "--chunk-days"),
    "ask": (("How many orders?", "--llm", "nope"), "--llm"),
    "funnel": (("--step", "view", "--step", "cart", "--window", "soon"), "window"),
    "query": (("{tmp}/missing.json",), "missing.json"),
    "catalogue update": (("{tmp}/missing.csv",), "missing.csv"),
    "catalogue rename-brand": (("", "x"), "brand"),
}
#: more bad values the issue found (pydantic checks, dates, ports)
MORE = [
    ("events patterns", ("--top", "-5"), "--top"),
    ("events patterns", ("--session-gap", "0"), "--session-gap"),
    ("metrics", ("--from", "0001-01-01"), "--from"),
    ("metrics", ("--from", "2024-13-01"), "--from"),
    ("metrics", ("--top", "0"), "--top"),
    ("cohorts", ("--observed-from", "2024-02-01", "--observed-until", "2024-01-01"),
     "--observed-from"),
    ("cohorts", ("--observed-until", "99999-01-01"), "--observed-until"),
    ("segment", ("--k", "zero"), "--k"),
    ("search", ("q", "--search", "https://elastic@127.0.0.1:abc"), "--search"),
]


def _commands(group: object, prefix: str = "") -> list[str]:
    found = []
    for name, cmd in sorted(getattr(group, "commands", {}).items()):
        if getattr(cmd, "commands", None):
            found += _commands(cmd, f"{prefix}{name} ")
        else:
            found.append(f"{prefix}{name}")
    return found


REGISTERED = _commands(typer.main.get_command(app))


def _has_db(command: str) -> bool:
    cmd = typer.main.get_command(app)
    for part in command.split():
        cmd = cmd.commands[part]  # type: ignore[attr-defined]
    return any("--db" in getattr(p, "opts", ()) for p in cmd.params)


def _check(res: object, option: str) -> None:
    text = res.output  # type: ignore[attr-defined]
    assert "Traceback" not in text, text
    assert res.exit_code == 2, text  # type: ignore[attr-defined]
    if "Invalid value for" in text:  # rejected by the option's type, in Typer's usage box
        assert option in text, text
        return
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]  # type: ignore[attr-defined]
    assert len(errors) == 1 and option in errors[0], text


@pytest.mark.parametrize("command", REGISTERED)
def test_every_command_names_a_bad_option(command: str, shoplens, tmp_path: Path) -> None:
    """Every registered command, including ones added later: a bad value ends as one
    ``error:`` line naming the option."""
    db = f"duckdb:{tmp_path / 'empty.duckdb'}"
    if command in BAD_OPTIONS:
        args, option = BAD_OPTIONS[command]
    else:  # a command this table does not know yet: at least a bad --db
        assert _has_db(command), f"add a bad-option case for {command!r} to BAD_OPTIONS"
        args, option = (), "nosuch:"
        db = "nosuch://nowhere"
    args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
    has_db = _has_db(command)
    _check(shoplens(*command.split(), *args, *(("--db", db) if has_db else ())), option)


@pytest.mark.parametrize(("command", "args", "option"), MORE)
def test_more_bad_values(command: str, args: tuple[str, ...], option: str, shoplens,
                         tmp_path: Path) -> None:
    _check(shoplens(*command.split(), *args, "--db", f"duckdb:{tmp_path / 'e.duckdb'}"), option)


def test_debug_shows_the_traceback(shoplens, tmp_path: Path) -> None:
    db = f"duckdb:{tmp_path / 'e.duckdb'}"
    quiet = shoplens("events", "patterns", "--steps", "-1", "--db", db)
    assert "Traceback" not in quiet.output
    loud = shoplens("--debug", "events", "patterns", "--steps", "-1", "--db", db)
    assert loud.exit_code == 2 and "Traceback" in loud.stderr
    assert loud.stderr.rstrip().splitlines()[-1].startswith("error: invalid --steps -1")
