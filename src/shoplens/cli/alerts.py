"""``shoplens alerts``: watch the key metrics; exit 3 when alerts fire (0 quiet, 2 error)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from shoplens.cli.common import DbOption, JsonOption, console, engine_from, out, print_json
from shoplens.errors import ConfigError, InputError


def alerts_command(
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", help="revenue, orders, buyers, dau, conversion, events or events:<event> "
                         "(repeat; default: the first five).")] = None,
    query: Annotated[list[Path] | None, typer.Option(
        "--query", help="A trends query document (JSON file) to watch (repeat).")] = None,
    saved: Annotated[list[str] | None, typer.Option(
        "--saved", help="A trends insight saved in the explorer, by name or id (repeat).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="First day judged: YYYY-MM-DD or -Nd/-Nw (default: the last 14 days).")] = None,
    sensitivity: Annotated[str, typer.Option(
        "--sensitivity", help="low, medium or high.")] = "medium",
    breakdown: Annotated[list[str] | None, typer.Option(
        "--breakdown", help="Property the root cause ranks values of (repeat; default: "
                            "user.country, product.category, event.event_type; any "
                            "property of the query model).")] = None,
    holiday: Annotated[list[str] | None, typer.Option(
        "--holiday",
        help="Declared day: DATE[..DATE][:NAME] (repeat); fitted around, never alerting.")] = None,
    no_quality: Annotated[bool, typer.Option(
        "--no-data-quality", help="Skip the data-quality checks.")] = False,
    llm: Annotated[str, typer.Option(
        "--llm", help="offline (default), gemini or openai: may rewrite the messages.")] = "offline",
    llm_model: Annotated[str | None, typer.Option("--llm-model", help="Model name.")] = None,
    llm_base_url: Annotated[str | None, typer.Option("--llm-base-url", help="Endpoint.")] = None,
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Watch the shop: anomalies of each metric with the breakdown that explains them, and
    data-quality problems. Exit code 0 when quiet, 3 when alerts fire, 2 on an error."""
    from shoplens.alerts import AlertParams, Holiday, detect
    from shoplens.insights.schema import TrendsQuery
    from shoplens.llm import LLMSettings

    if llm not in ("offline", "gemini", "openai"):
        raise ConfigError(f"--llm must be offline, gemini or openai, not {llm!r}")
    if sensitivity not in ("low", "medium", "high"):
        raise ConfigError(f"--sensitivity must be low, medium or high, not {sensitivity!r}")
    holidays = []
    for text in holiday or []:
        try:
            holidays.append(Holiday.parse(text))
        except ValueError as exc:
            raise ConfigError(f"--holiday: {exc}") from None
    queries = [_read_query(p, TrendsQuery) for p in query or []]
    try:
        params = AlertParams(
            metrics=list(metric or []), queries=queries, since=since, sensitivity=sensitivity,
            breakdowns=list(breakdown or []), holidays=holidays, data_quality=not no_quality,
            llm=LLMSettings(provider=llm, model=llm_model, base_url=llm_base_url))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"--{err['loc'][0]}: {err['msg']}") from None
    with engine_from(db) as engine, console.status("watching the metrics..."):
        if saved:
            params = params.model_copy(update={"queries": [
                *params.queries, *(_saved_query(engine.url, name) for name in saved)]})
        report = detect(engine, params)
    if json_:
        print_json(report.to_dict())
    else:
        _print(report)
    raise typer.Exit(report.exit_code)


def _read_query(path: Path, kind: type) -> object:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the query: {exc.strerror}", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    if not isinstance(doc, dict) or doc.get("kind", "trends") != "trends":
        raise InputError("alerts watch trends queries only (kind 'trends')", file=str(path))
    try:
        return kind.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise InputError(f"{err['msg']}", file=str(path), field=where) from None


def _saved_query(db_url: str, name: str) -> object:
    """A trends insight saved in the explorer's store for this database."""
    from shoplens.explorer.settings import default_store
    from shoplens.explorer.store import Store
    from shoplens.insights.schema import TrendsQuery

    items = Store(default_store(), db_url).insights()
    item = next((i for i in items if i.id == name or i.name.casefold() == name.casefold()),
                None)
    trends = sorted(i.name for i in items if i.query.get("kind", "trends") == "trends")
    if item is None:
        known = ", ".join(trends) if trends else "none saved for this database"
        raise ConfigError(f"--saved: no saved insight {name!r}; saved trends: {known}")
    if item.query.get("kind", "trends") != "trends":
        raise ConfigError(f"--saved {name!r} is a {item.query['kind']} insight; alerts watch "
                          "trends insights only")
    try:
        return TrendsQuery.model_validate(item.query)
    except ValidationError as exc:
        raise ConfigError(f"--saved {name!r}: {exc.errors()[0]['msg']}") from None


def _print(report: object) -> None:
    from shoplens.alerts.result import AlertReport

    assert isinstance(report, AlertReport)
    t = Table(title=f"Watched {report.since} to {report.date_to} "
                    f"(sensitivity {report.sensitivity})", title_justify="left")
    for col in ("metric", "model", "days", "alerts", "last day", "actual", "expected"):
        t.add_column(col, justify="left" if col in ("metric", "model", "last day") else "right")
    for m in report.metrics:
        t.add_row(escape(m.label), m.model, str(m.days_judged), str(m.anomalies),
                  m.last_day or "", _num(m.last_actual), _num(m.last_expected))
    out.print(t)
    for a in report.anomalies:
        colour = "red" if a.kind in ("drop", "drift") and a.deviation < 0 else "yellow"
        out.print(f"[bold {colour}]{a.kind.upper():5}[/] {escape(a.message)}")
    for q in report.quality:
        out.print(f"[bold magenta]DATA [/] {escape(q.message)}")
    if report.declared:
        days = sorted({a.day for a in report.declared})
        out.print(f"[dim]{len(report.declared)} deviations on {len(days)} declared days "
                  f"({days[0]} to {days[-1]}), not alerting (see --json)[/]")
    for note in report.notes + [n for m in report.metrics for n in m.notes]:
        console.print(f"[dim]note:[/] {escape(note)}")
    if not report.fired:
        out.print("[green]All quiet[/]: every metric within its expected range.")


def _num(x: float | None) -> str:
    return "" if x is None else (f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}")


def register(app: typer.Typer) -> None:
    app.command("alerts")(alerts_command)
