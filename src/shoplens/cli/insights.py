"""``shoplens trends|lifecycle|stickiness|retention|query``: ask your own questions.

Each command parses its options into a query document of :mod:`shoplens.insights.schema`
and answers it with :func:`shoplens.insights.run`; ``--json`` prints the result document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from shoplens.cli.common import DbOption, JsonOption, engine_from, out, params, print_json
from shoplens.errors import ConfigError, InputError

EventOpt = Annotated[list[str] | None, typer.Option(
    "--event", "-e", help="Event: raw name, action:NAME, stage:NAME or * (repeat for series).")]
WhereOpt = Annotated[list[str] | None, typer.Option(
    "--where", "-w", help="Filter, e.g. 'user.country=FR', 'event.price>100', "
                          "'utm_source*=goo', 'coupon is set' (repeat: AND).")]
BreakdownOpt = Annotated[list[str] | None, typer.Option(
    "--breakdown", "-b", help="Split by a property (user.country, product.category, "
                              "time.weekday ...); repeat for several.")]
LimitOpt = Annotated[int, typer.Option("--limit", help="Breakdown values kept; the rest is "
                                                       "'(other)'.")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", help="Start: YYYY-MM-DD, -30d, -2w, -3m, 'this month', 'last week', all.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="End (inclusive day), same forms.")]
TzOpt = Annotated[str, typer.Option("--tz", help="IANA time zone of days and hours.")]
AnchorOpt = Annotated[str, typer.Option(
    "--anchor", help="Relative dates count back from the last day with 'data' or 'today'.")]


def _date_range(date_from: str | None, date_to: str | None, tz: str, anchor: str
                ) -> dict[str, Any]:
    return {"date_from": date_from, "date_to": date_to, "timezone": tz, "anchor": anchor}


def _answer(db: str | None, doc: dict[str, Any], json_out: bool,
            model: type[Any] | None = None) -> None:
    """Validate ``doc`` (as ``model``: a bad value is an error naming its option), run it
    and print the table or, with ``--json``, the result document."""
    from shoplens.insights.api import _dump
    from shoplens.insights.runner import run, validate

    query = params(model, **_dump(doc)) if model is not None else validate(_dump(doc))
    with engine_from(db) as engine:
        result = run(engine, query)
    if json_out:
        print_json(result.to_dict())
        return
    show(result)


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
    return str(v)


def show(result: Any) -> None:
    """A compact table of a result for the terminal (values from data escaped)."""
    d = result.to_dict()
    title = f"{result.kind} {d.get('date_from')} .. {d.get('date_to')}"
    if result.kind in ("trends", "stickiness"):
        series = d["series"]
        first = series[0]["points"] if series else []
        key = "date" if result.kind == "trends" else "intervals"
        # trends: the latest dates; stickiness: the fewest intervals (where users are)
        shown = first[-8:] if result.kind == "trends" else first[:8]
        table = Table(title=title, title_justify="left")
        table.add_column("series")
        table.add_column("breakdown")
        if result.kind == "trends":
            table.add_column("total", justify="right")
        for p in shown:
            table.add_column(escape(str(p[key])), justify="right")
        split = bool(result.query.get("breakdowns"))
        for s in series:
            vals = (s["points"][-len(shown):] if result.kind == "trends"
                    else s["points"][:len(shown)]) if shown else []
            value_key = "value" if result.kind == "trends" else "users"
            label = s["label"] + (" (previous)" if s.get("compare") else "")
            bd = s.get("breakdown_value")
            row = [escape(label), escape(("(not set)" if split else "") if bd is None
                                         else str(bd))]
            if result.kind == "trends":
                row.append(_num(s["total"]))
            table.add_row(*row, *[_num(p[value_key]) for p in vals])
    elif result.kind == "lifecycle":
        table = Table(title=title, title_justify="left")
        for c in ("date", "new", "returning", "resurrecting", "dormant"):
            table.add_column(c, justify="right")
        for p in d["points"]:
            table.add_row(p["date"], *[_num(p[c]) for c in
                                       ("new", "returning", "resurrecting", "dormant")])
    elif result.kind == "retention":
        table = Table(title=title, title_justify="left")
        table.add_column("cohort")
        table.add_column("breakdown")
        table.add_column("size", justify="right")
        n = max((len(c["values"]) for c in d["cohorts"]), default=0)
        for k in range(n):
            table.add_column(str(k), justify="right")
        for c in d["cohorts"]:
            bd = c.get("breakdown_value")
            rates = c.get("rates") or []
            table.add_row(escape(str(c["cohort"])), escape("" if bd is None else str(bd)),
                          _num(c["size"]), *[("" if r is None else f"{r:.1%}") for r in rates])
    else:
        print_json(d)
        return
    out.print(table)
    for note in d.get("notes", []):
        out.print(f"note: {escape(note)}", style="dim")


def _users_only(kind: str, math: str) -> None:
    if math != "unique_users":
        raise ConfigError(f"--math {math!r}: {kind} counts users; only unique_users applies")


def register(app: typer.Typer) -> None:
    @app.command("trends")
    def trends_cmd(
        event: EventOpt = None,
        math: Annotated[str, typer.Option(
            "--math", "-m", help="total, unique_users, unique_sessions, sum, avg, median, "
                                 "p90, min, max, per_user_avg.")] = "total",
        math_property: Annotated[str | None, typer.Option(
            "--property", "-p", help="Property of sum/avg/median/p90/min/max "
                                     "(revenue, price, quantity ...).")] = None,
        where: WhereOpt = None,
        breakdown: BreakdownOpt = None,
        limit: LimitOpt = 10,
        bins: Annotated[int | None, typer.Option(
            "--bins", help="Numeric breakdowns: this many equal-width bins.")] = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        interval: Annotated[str, typer.Option(
            "--interval", "-i", help="hour, day, week (Monday), month or quarter.")] = "day",
        formula: Annotated[str | None, typer.Option(
            "--formula", help="Combine series by letter: 'A / B'.")] = None,
        compare: Annotated[bool, typer.Option(
            "--compare", help="Add the previous period.")] = False,
        cumulative: Annotated[bool, typer.Option("--cumulative")] = False,
        timezone: TzOpt = "UTC",
        anchor: AnchorOpt = "data",
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Events, users or sums of a property over time, split and filtered at will."""
        from shoplens.insights.api import _breakdowns, _series
        from shoplens.insights.schema import TrendsQuery
        from shoplens.insights.where import parse_where

        doc = {"kind": "trends", "series": _series(event or [None], math, math_property),
               "filters": parse_where(where), "breakdowns": _breakdowns(breakdown, limit, bins),
               "date_range": _date_range(date_from, date_to, timezone, anchor),
               "interval": interval, "formula": formula, "compare": compare,
               "cumulative": cumulative}
        _answer(db, doc, json_out, TrendsQuery)

    @app.command("lifecycle")
    def lifecycle_cmd(
        event: Annotated[str | None, typer.Option(
            "--event", "-e", help="Event that makes a user active (default: any).")] = None,
        math: Annotated[str, typer.Option(
            "--math", "-m", help="unique_users (lifecycle counts users).")] = "unique_users",
        where: WhereOpt = None,
        breakdown: Annotated[list[str] | None, typer.Option(
            "--breakdown", "-b", help="Not available: a lifecycle is not split (filter "
                                      "with --where).")] = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        interval: Annotated[str, typer.Option("--interval", "-i",
                                              help="day, week or month.")] = "week",
        timezone: TzOpt = "UTC",
        anchor: AnchorOpt = "data",
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """New, returning, resurrecting and dormant users per interval."""
        from shoplens.insights.schema import LifecycleQuery
        from shoplens.insights.where import parse_where

        _users_only("lifecycle", math)
        if breakdown:
            raise ConfigError("--breakdown: a lifecycle is not split by a property (as in "
                              "PostHog); filter it instead, e.g. --where "
                              f"'{breakdown[0]}=VALUE'")
        doc = {"kind": "lifecycle", "series": {"event": event}, "filters": parse_where(where),
               "date_range": _date_range(date_from, date_to, timezone, anchor),
               "interval": interval}
        _answer(db, doc, json_out, LifecycleQuery)

    @app.command("stickiness")
    def stickiness_cmd(
        event: EventOpt = None,
        math: Annotated[str, typer.Option(
            "--math", "-m", help="unique_users (stickiness counts users).")] = "unique_users",
        where: WhereOpt = None,
        breakdown: BreakdownOpt = None,
        limit: LimitOpt = 10,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        interval: Annotated[str, typer.Option("--interval", "-i",
                                              help="day, week or month.")] = "day",
        timezone: TzOpt = "UTC",
        anchor: AnchorOpt = "data",
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Users by the number of intervals they were active in."""
        from shoplens.insights.api import _breakdowns
        from shoplens.insights.schema import StickinessQuery
        from shoplens.insights.where import parse_where

        _users_only("stickiness", math)
        doc = {"kind": "stickiness", "series": [{"event": e} for e in (event or [None])],
               "filters": parse_where(where), "breakdowns": _breakdowns(breakdown, limit, None),
               "date_range": _date_range(date_from, date_to, timezone, anchor),
               "interval": interval}
        _answer(db, doc, json_out, StickinessQuery)

    @app.command("retention")
    def retention_cmd(
        start_event: Annotated[str | None, typer.Option(
            "--event", "-e", help="Start event (default: any).")] = None,
        return_event: Annotated[str | None, typer.Option(
            "--return-event", "-r", help="Return event (default: the start event).")] = None,
        period: Annotated[str, typer.Option(
            "--interval", "-i", help="Cohort width: day, week or month.")] = "week",
        total_intervals: Annotated[int, typer.Option(
            "--intervals", "-n", help="Periods followed (1-400).")] = 8,
        retention_type: Annotated[str, typer.Option(
            "--type", help="first_time (cohort by first start event) or recurring.")
        ] = "first_time",
        measure: Annotated[str, typer.Option(
            "--math", "--measure", "-m",
            help="users, orders (distinct purchase times) or revenue (revenue retention)."
        )] = "users",
        cumulative: Annotated[bool, typer.Option(
            "--cumulative", help="Returned in period N or later (users); with revenue: "
                                 "cumulative revenue per user (LTV).")] = False,
        cohort_by: Annotated[str, typer.Option(
            "--cohort-by", help="start_event, or signup (users.signup_date, else first "
                                "seen, else the first start event).")] = "start_event",
        offset_period: Annotated[str | None, typer.Option(
            "--offset-period", help="Column step: day, week or month (default: "
                                    "--interval), from each member's own entry day.")
        ] = None,
        accumulation: Annotated[str | None, typer.Option(
            "--accumulation", help="Cells: period (in k), on_or_after (k or later), up_to "
                                   "(0..k). Default from --cumulative.")] = None,
        censoring: Annotated[str, typer.Option(
            "--censoring", help="started (cohorts of the range) or observed (the range is "
                                "the data's window: a cell needs its periods wholly in "
                                "it).")] = "started",
        where: WhereOpt = None,
        breakdown: Annotated[str | None, typer.Option(
            "--breakdown", "-b", help="Split cohorts by a property.")] = None,
        limit: LimitOpt = 10,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        timezone: TzOpt = "UTC",
        anchor: AnchorOpt = "data",
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Retention: of the users who started in a period, who came back later."""
        from shoplens.insights.api import _breakdowns
        from shoplens.insights.schema import RetentionQuery
        from shoplens.insights.where import parse_where

        doc = {"kind": "retention", "start_event": {"event": start_event},
               "return_event": {"event": return_event if return_event else start_event},
               "period": period, "total_intervals": total_intervals,
               "retention_type": retention_type, "measure": measure,
               "cumulative": cumulative, "cohort_by": cohort_by,
               "offset_period": offset_period, "accumulation": accumulation,
               "censoring": censoring, "filters": parse_where(where),
               "breakdowns": _breakdowns(breakdown, limit, None),
               "date_range": _date_range(date_from, date_to, timezone, anchor)}
        _answer(db, doc, json_out, RetentionQuery)

    @app.command("query")
    def query_cmd(
        file: Annotated[str | None, typer.Argument(
            help="A query document (JSON), or - for standard input.")] = None,
        schema: Annotated[bool, typer.Option(
            "--schema", help="Print the JSON schema of query documents.")] = False,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Run any insight query document (trends, retention, lifecycle, stickiness ...)."""
        from shoplens.insights.schema import query_json_schema

        if schema:
            print_json(query_json_schema())
            return
        if file is None:
            raise ConfigError("give a query file (or - for standard input), or --schema")
        if file == "-":
            text = sys.stdin.read()
        else:
            path = Path(file)
            if not path.exists():
                raise InputError("query file not found", file=file)
            text = path.read_text(encoding="utf-8")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=file, line=exc.lineno) from None
        _answer(db, doc, json_out)
