"""``shoplens ask``: a question in plain language, answered from the database."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from shoplens.cli.common import DbOption, JsonOption, console, engine_from, out, print_json
from shoplens.cli.events import BaseUrlOption, LlmOption, ModelOption, TimeoutOption, _settings
from shoplens.errors import ConfigError


def _declared(values: list[str]) -> dict[str, date]:
    days = {}
    for v in values:
        name, _, day = v.partition("=")
        try:
            days[name.strip()] = date.fromisoformat(day.strip())
        except ValueError:
            raise ConfigError(f"--date {v!r}: write NAME=YYYY-MM-DD, e.g. 'summer sale=2024-07-01'"
                              ) from None
    return days


def ask_command(
    question: Annotated[str, typer.Argument(help="The question, e.g. 'How many people bought "
                                                 "in France last month?'")],
    db: DbOption = None, llm: LlmOption = "offline", llm_model: ModelOption = None,
    llm_base_url: BaseUrlOption = None, llm_timeout: TimeoutOption = 60.0,
    dates: Annotated[list[str] | None, typer.Option(
        "--date", help="A day questions may name: NAME=YYYY-MM-DD (repeatable).")] = None,
    show_query: Annotated[bool, typer.Option("--show-query", help="Print the query document.")
                          ] = False,
    json_out: JsonOption = False,
) -> None:
    """Answer a question about the shop in plain language (offline by default)."""
    from shoplens.ask import Asker
    from shoplens.ask.parser import query_document

    settings = _settings(llm, llm_model, llm_base_url, llm_timeout)
    with engine_from(db) as engine:
        asker = Asker(engine, llm=settings, dates=_declared(dates or []))
        result = asker.ask(question)
    if json_out:
        print_json(result.to_json())
        return
    out.print(escape(result.sentence), highlight=False)
    it = result.interpretation
    if it is not None and (show_query or it.queries):
        console.print(f"[dim]read as: {escape(it.intent)} via {escape(it.method)}[/]")
        if show_query:
            for role, q in it.queries.items():
                doc = json.dumps(query_document(q), indent=2)
                console.print(f"[dim]{escape(role)} query:[/]\n{escape(doc)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask_command)
