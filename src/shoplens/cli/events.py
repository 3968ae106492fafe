"""``shoplens events``: categorize event names, find behaviour patterns, write insights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
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
from shoplens.llm import LLMSettings

LlmOption = Annotated[str, typer.Option(
    "--llm", help="offline (default: rules and templates, no network), gemini or openai.")]
ModelOption = Annotated[str | None, typer.Option("--llm-model", help="Model name.")]
BaseUrlOption = Annotated[str | None, typer.Option(
    "--llm-base-url", help="Endpoint, e.g. an OpenAI-compatible server (Ollama, vLLM).")]
TimeoutOption = Annotated[float, typer.Option(
    "--llm-timeout", help="Seconds to wait for the model in all, retries included.")]
MappingOption = Annotated[Path | None, typer.Option(
    "--mapping", help="YAML, JSON or CSV file mapping raw event names to stages.")]


def _settings(llm: str, model: str | None, base_url: str | None, timeout: float) -> LLMSettings:
    from shoplens.errors import ConfigError

    if llm not in ("offline", "gemini", "openai"):
        raise ConfigError(f"--llm must be offline, gemini or openai, not {llm!r}")
    return params(LLMSettings, provider=llm, model=model, base_url=base_url, timeout=timeout,
                  budget=timeout)


def categorize_cmd(
    db: DbOption = None, llm: LlmOption = "offline", llm_model: ModelOption = None,
    llm_base_url: BaseUrlOption = None, llm_timeout: TimeoutOption = 60.0,
    mapping: MappingOption = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore cached decisions.")] = False,
    json_: JsonOption = False,
) -> None:
    """Map every raw event name to a journey stage, with confidence and method."""
    from shoplens.events.funnel import funnel
    from shoplens.events.taxonomy import CategorizeParams, categorize

    settings = params(CategorizeParams,
                      llm=_settings(llm, llm_model, llm_base_url, llm_timeout),
                      mapping=mapping, refresh=refresh)
    with engine_from(db) as engine, console.status("categorizing event names..."):
        taxonomy = categorize(engine, settings)
        steps = funnel(engine)
    if json_:
        print_json({"taxonomy": taxonomy.to_json(), "funnel": [s.to_json() for s in steps],
                    "withheld_from_llm": taxonomy.withheld})
        return
    table = Table(title="Event taxonomy")
    for col in ("raw event", "stage", "action", "confidence", "method", "events"):
        table.add_column(col, justify="right" if col in ("confidence", "events") else "left")
    for e in taxonomy.entries:
        table.add_row(literal(e.raw), literal(e.stage + (" (unsure)" if e.unsure else "")),
                      literal(e.action), f"{e.confidence:.2f}", literal(e.method), str(e.events))
    out.print(table)
    if taxonomy.withheld:
        console.print(f"{taxonomy.withheld} event name(s) withheld from the language model: "
                      "they look like personal data", highlight=False)
    _print_funnel(steps)


def _print_funnel(steps: list) -> None:  # type: ignore[type-arg]
    table = Table(title="Funnel (sessions)")
    for col in ("stage", "sessions", "users", "from previous", "from start"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in steps:
        if not s.tracked:
            table.add_row(literal(s.stage), "not tracked", "", "", "")
            continue
        table.add_row(literal(s.stage), str(s.sessions), str(s.users),
                      _pct(s.session_rate_from_previous), _pct(s.session_rate_from_start))
    out.print(table)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def _duration(seconds: float | None) -> str:
    """``42 s``, ``3.5 min``, ``2.1 h``, ``1.5 d``."""
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def patterns_cmd(
    db: DbOption = None,
    n_steps: Annotated[int, typer.Option("--steps", help="Length of session paths.")] = 3,
    top: Annotated[int, typer.Option("--top", help="How many paths to list.")] = 10,
    recovery_days: Annotated[int, typer.Option(help="Window for cart recovery.")] = 7,
    session_gap: Annotated[int, typer.Option(
        "--session-gap", help="Minutes of inactivity that start a session (no session id).")] = 30,
    json_: JsonOption = False,
) -> None:
    """Session paths, stage transitions, drop-offs, step times, repeat purchases,
    cart abandonment and derived behaviours (computed in SQL)."""
    from shoplens.events.patterns import PatternParams, patterns

    chosen = params(PatternParams, n_steps=n_steps, top_paths=top, recovery_days=recovery_days,
                    session_gap_minutes=session_gap)
    with engine_from(db) as engine, console.status("computing patterns..."):
        doc = patterns(engine, chosen)
    if json_:
        print_json(doc)
        return
    t = Table(title=f"Most frequent {n_steps}-step session paths")
    t.add_column("path")
    t.add_column("sessions", justify="right")
    for p in doc["session_paths"]:
        t.add_row(literal(p["path"]), str(p["sessions"]))
    out.print(t)
    t = Table(title="Stage transitions (share of next event)")
    t.add_column("from")
    t.add_column("to")
    t.add_column("count", justify="right")
    t.add_column("share", justify="right")
    for r in doc["transitions"]:
        t.add_row(literal(r["from"]), literal(r["to"]), str(r["count"]), _pct(r["share"]))
    out.print(t)
    d = doc["dropoffs"]
    t = Table(title=f"Drop-offs: {d['sessions']:,} sessions, {d['converted_sessions']:,} converted; "
                    "the others by the deepest stage they reached")
    t.add_column("dropped after")
    t.add_column("sessions", justify="right")
    t.add_column("share", justify="right")
    for r in d["dropped_after"]:
        t.add_row(escape(r["stage"]), f"{r['sessions']:,}", _pct(r["share_of_sessions"]))
    out.print(t)
    t = Table(title="Step times (first event of a stage to the first of a later one, same "
                    "session)")
    t.add_column("from")
    t.add_column("to")
    t.add_column("sessions", justify="right")
    t.add_column("median", justify="right")
    t.add_column("p90", justify="right")
    for r in doc["step_times"]:
        t.add_row(escape(r["from"]), escape(r["to"]), f"{r['sessions']:,}",
                  _duration(r["median_seconds"]), _duration(r["p90_seconds"]))
    out.print(t)
    ca, rp = doc["cart_abandonment"], doc["repeat_purchases"]
    out.print(f"Cart sessions {ca['cart_sessions']}, abandoned {ca['abandoned_sessions']} "
              f"({_pct(ca['abandonment_rate'])}), recovered within {ca['recovery_window_days']} "
              f"days {ca['recovered_sessions']} ({_pct(ca['recovery_rate'])})")
    out.print(f"Buyers {rp['buyers']}, repeat buyers {rp['repeat_buyers']} "
              f"({_pct(rp['repeat_rate'])}), median days between purchases {rp['median_days']}")
    t = Table(title="Derived behaviours")
    t.add_column("behaviour")
    t.add_column("users", justify="right")
    t.add_column("share", justify="right")
    t.add_column("definition")
    for b in doc["behaviours"]:
        t.add_row(literal(b["name"]), str(b["users"]), _pct(b["share_of_users"]),
                  literal(b["definition"]))
    out.print(t)


def insights_cmd(
    db: DbOption = None, llm: LlmOption = "offline", llm_model: ModelOption = None,
    llm_base_url: BaseUrlOption = None, llm_timeout: TimeoutOption = 60.0,
    mapping: MappingOption = None,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default analysis_results_<timestamp>.json).")] = None,
    json_: JsonOption = False,
) -> None:
    """Write LLM (or offline) insights with the statistics they rest on to a JSON file."""
    from shoplens.events.insights import (
        InsightsParams,
        analyze,
        default_out_path,
        write_results,
    )

    chosen = params(InsightsParams, llm=_settings(llm, llm_model, llm_base_url, llm_timeout),
                    mapping=mapping)
    with engine_from(db) as engine, console.status(f"asking {literal(llm)} for insights..."):
        doc = analyze(engine, chosen)
    path = write_results(doc, out_path or default_out_path())
    if json_:
        print_json(doc)
    else:
        for i, ins in enumerate(doc["insights"], 1):
            out.print(f"[bold]{i}. {literal(ins['title'])}[/] ({literal(ins['priority'])})")
            out.print(f"   {literal(ins['finding'])}")
            out.print(f"   -> {literal(ins['recommendation'])}")
    console.print(f"wrote {literal(path)} (provider {literal(doc['provider'])}, "
                  f"model {literal(doc['model'])})")
    if doc.get("withheld_from_llm"):
        console.print(f"{doc['withheld_from_llm']} value(s) withheld from the language model: "
                      "they look like personal data", highlight=False)


def register(app: typer.Typer) -> None:
    events = typer.Typer(help="Event taxonomy, behaviour patterns and LLM insights.",
                         no_args_is_help=True)
    events.command("categorize")(categorize_cmd)
    events.command("patterns")(patterns_cmd)
    events.command("insights")(insights_cmd)
    app.add_typer(events, name="events")
