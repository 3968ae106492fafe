"""``shoplens funnel`` and ``shoplens paths``: parse options into a query, run, print."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from shoplens.cli.common import DbOption, JsonOption, engine_from, out, print_json
from shoplens.errors import ConfigError
from shoplens.insights.schema import parse_duration

_COND = re.compile(r"^\s*([\w.]+)\s*(>=|<=|!=|=|>|<|~)\s*([^<>=!~\s].*?)\s*$")
_OPS = {"=": "eq", "!=": "neq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "contains"}


def parse_conditions(text: str, where: str) -> list[dict[str, Any]]:
    """``price > 100 and country = FR`` as property filters."""
    filters = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        m = _COND.match(part)
        if not m:
            raise ConfigError(f"{where}: cannot read condition {part!r} "
                              "(use PROPERTY OP VALUE with OP one of = != > >= < <= ~)")
        prop, op, raw = m.groups()
        value: Any = raw.strip("'\"")
        if raw == value:
            try:
                value = float(raw) if "." in raw else int(raw)
            except ValueError:
                value = raw
        filters.append({"property": prop, "operator": _OPS[op], "value": value})
    return filters


def parse_step(text: str) -> dict[str, Any]:
    """``NAME[?][:WINDOW] [where CONDITIONS]``: ``cart:10m`` is "cart within 10 minutes of
    the previous step", ``coupon?`` an optional step, ``purchase where price > 100`` a
    step with a filter."""
    parts = re.split(r"\s+where\s+", text.strip(), maxsplit=1, flags=re.IGNORECASE)
    head, cond = parts[0], (parts[1] if len(parts) > 1 else "")
    step: dict[str, Any] = {}
    name, _, window = head.rpartition(":")
    if name and window and not window.startswith(("action", "stage")):
        try:
            parse_duration(window)
        except ValueError:
            name, window = head, ""
    else:
        name, window = head, ""
    if name.endswith("?"):
        name, step["optional"] = name[:-1], True
    if not name:
        raise ConfigError(f"--step {text!r}: name an event")
    step["event"] = name
    if window:
        step["window"] = window
    if cond:
        step["filters"] = parse_conditions(cond, f"--step {text!r}")
    return step


def _query(model: type, doc: dict[str, Any]) -> Any:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "options"
        raise ConfigError(f"invalid {where}: {err['msg'].removeprefix('Value error, ')}") from None


def _step_index(value: str, steps: list[dict[str, Any]]) -> int:
    if value.isdigit():
        return int(value) - 1
    names = [s["event"] for s in steps]
    if value in names:
        return names.index(value)
    raise ConfigError(f"--dropoffs {value!r}: give a step number (1..{len(steps)}) or one of "
                      + ", ".join(names))


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def _dur(s: float | None) -> str:
    if s is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s / size:.1f}{unit}"
    return f"{s:.0f}s"


def _steps_table(title: str, steps: list[dict[str, Any]]) -> Table:
    t = Table(title=escape(title), title_justify="left")
    for c in ("#", "step", "count", "from previous", "from start", "median time"):
        t.add_column(c, justify="left" if c == "step" else "right")
    for s in steps:
        t.add_row(str(s["step"] + 1), escape(s["name"] + (" (optional)" if s["optional"] else "")),
                  f"{s['count']:,}", _pct(s["conversion_from_previous"]),
                  _pct(s["conversion_from_start"]), _dur(s["median_seconds_from_previous"]))
    return t


def register(app: typer.Typer) -> None:
    @app.command("funnel")
    def funnel_cmd(
        step: Annotated[list[str], typer.Option(
            "--step", help="NAME[?][:WINDOW] [where PROP OP VALUE [and ...]] (repeat, in order)")],
        window: Annotated[str, typer.Option(help="Global conversion window from the first step.")] = "14d",
        order: Annotated[str, typer.Option(help="ordered, strict or any.")] = "ordered",
        exclude: Annotated[list[str] | None, typer.Option(
            help="Event that breaks the funnel between the first and last step (repeat; "
                 "NAME@FROM-TO for a span of step numbers).")] = None,
        by: Annotated[str, typer.Option("--by", help="Count users or sessions.")] = "users",
        breakdown: Annotated[str | None, typer.Option(help="Property to split by.")] = None,
        attribution: Annotated[str, typer.Option(
            help="first_touch, last_touch or step:N for the breakdown value.")] = "first_touch",
        where: Annotated[str | None, typer.Option(
            "--where", help="Filter on every event: PROP OP VALUE [and ...].")] = None,
        date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD, -30d ...")] = None,
        date_to: Annotated[str | None, typer.Option("--to")] = None,
        trend: Annotated[str | None, typer.Option(help="Conversion per day, week or month of entry.")] = None,
        time_to_convert: Annotated[bool, typer.Option("--time-to-convert")] = False,
        dropoffs: Annotated[str | None, typer.Option(
            help="List the users who dropped off at this step (number or name).")] = None,
        out_path: Annotated[Path | None, typer.Option("--out", help="CSV file for --dropoffs.")] = None,
        segment: Annotated[str | None, typer.Option(
            help="Save the --dropoffs users as this list in the search index.")] = None,
        search: Annotated[str | None, typer.Option(help="Search URL for --segment.")] = None,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Funnel over any steps: counts and conversion per step (see docs/funnels.md)."""
        from shoplens.insights.funnels import run_funnel
        from shoplens.insights.schema import FunnelsQuery

        steps = [parse_step(s) for s in step]
        if len(steps) < 2:
            raise ConfigError("a funnel needs at least 2 --step options")
        exclusions = []
        for ex in exclude or []:
            name, _, span = ex.partition("@")
            lo, hi = 0, len(steps) - 1
            if span:
                m = re.fullmatch(r"(\d+)-(\d+)", span)
                if not m:
                    raise ConfigError(f"--exclude {ex!r}: write NAME@FROM-TO with step numbers")
                lo, hi = int(m.group(1)) - 1, int(m.group(2)) - 1
            exclusions.append({"event": name, "from_step": lo, "to_step": hi})
        doc: dict[str, Any] = {
            "steps": steps, "window": window, "order": order, "exclusions": exclusions,
            "count_by": by, "date_range": {"date_from": date_from, "date_to": date_to},
            "filters": parse_conditions(where, "--where") if where else [],
        }
        if breakdown:
            doc["breakdowns"] = [{"property": breakdown}]
            kind, _, n = attribution.partition(":")
            doc["attribution"] = kind
            if kind == "step":
                if not n.isdigit():
                    raise ConfigError("--attribution step:N needs a step number")
                doc["attribution_step"] = int(n) - 1
        if trend:
            doc.update(view="trends", trend_interval=trend)
        elif time_to_convert:
            doc["view"] = "time_to_convert"
        q = _query(FunnelsQuery, doc)
        if dropoffs is not None:
            _dropoffs(q, _step_index(dropoffs, steps), out_path, segment, search, json_out, db)
            return
        with engine_from(db) as engine:
            result = run_funnel(engine, q)
        if json_out:
            print_json(result.to_dict())
            return
        for note in result.notes:
            out.print(f"[yellow]note:[/] {escape(note)}")
        p = result.payload
        if q.view == "trends":
            t = Table(title=f"Conversion per {q.trend_interval} of entry", title_justify="left")
            for c in ("period", "entered", "converted", "conversion"):
                t.add_column(c, justify="right")
            for pt in p["points"]:
                t.add_row(pt["date"], f"{pt['entered']:,}", f"{pt['converted']:,}",
                          _pct(pt["conversion"]))
            out.print(t)
            return
        if q.view == "time_to_convert":
            out.print(f"{p['converted']:,} converted from step {p['from_step'] + 1} to step "
                      f"{p['to_step'] + 1}: median {_dur(p['median_seconds'])}, "
                      f"p90 {_dur(p['p90_seconds'])}, mean {_dur(p['mean_seconds'])}")
            t = Table(title="Time to convert", title_justify="left")
            t.add_column("from")
            t.add_column("to")
            t.add_column("actors", justify="right")
            for b in p["histogram"]:
                t.add_row(_dur(b["from_seconds"]), _dur(b["to_seconds"]) if b["to_seconds"]
                          else "+", f"{b['count']:,}")
            out.print(t)
            return
        out.print(_steps_table(f"Funnel ({q.order}, {q.count_by}, window {q.window})", p["steps"]))
        for b in p["breakdowns"]:
            out.print(_steps_table(f"{q.breakdowns[0].property} = {b['breakdown_value']}",
                                   b["steps"]))

    def _dropoffs(q: Any, step: int, out_path: Path | None, segment: str | None,
                  search: str | None, json_out: bool, db: str | None) -> None:
        from shoplens.insights.funnels.dropoffs import dropoff_users, index_segment, write_csv

        if out_path is None and segment is None and not json_out:
            raise ConfigError("--dropoffs needs --out FILE.csv, --segment NAME or --json")
        with engine_from(db) as engine:
            users = dropoff_users(engine, q, step)
        if out_path is not None:
            write_csv(users, out_path)
            out.print(f"{len(users):,} dropped off before step {step + 1}: {escape(str(out_path))}")
        if segment is not None:
            from shoplens.search.session import search_session

            with search_session(search) as s:
                n = index_segment(s.client, segment, users,
                                  description=f"dropped off before step {step + 1}")
            out.print(f"{n:,} users saved as list {escape(segment)!r} in the search index")
        if json_out:
            print_json({"step": step, "users": users.to_dict("records")})

    @app.command("paths")
    def paths_cmd(
        start: Annotated[str | None, typer.Option(help="Paths starting at this node.")] = None,
        end: Annotated[str | None, typer.Option(help="Paths leading to this node.")] = None,
        steps: Annotated[int, typer.Option(help="Nodes per path.")] = 5,
        level: Annotated[str, typer.Option(help="event, stage, category or page.")] = "event",
        page_property: Annotated[str | None, typer.Option(
            help="Event property holding the page (level page; default url).")] = None,
        exclude: Annotated[list[str] | None, typer.Option(help="Node to leave out (repeat).")] = None,
        group: Annotated[list[str] | None, typer.Option(
            help="Wildcard grouping names, e.g. 'product*' (repeat).")] = None,
        keep_repeats: Annotated[bool, typer.Option(
            "--keep-repeats", help="Do not collapse repeats of a node in a row.")] = False,
        top: Annotated[int, typer.Option(help="How many top paths to list.")] = 20,
        date_from: Annotated[str | None, typer.Option("--from")] = None,
        date_to: Annotated[str | None, typer.Option("--to")] = None,
        sankey: Annotated[Path | None, typer.Option(help="Write a sankey: .html or .png.")] = None,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Most frequent paths, drop-offs per step and a sankey diagram."""
        from shoplens.insights.paths import run_paths
        from shoplens.insights.paths.sankey import write
        from shoplens.insights.schema import PathsQuery

        q = _query(PathsQuery, {
            "start": start, "end": end, "steps": steps, "level": level,
            "page_property": page_property, "exclude": exclude or [], "groupings": group or [],
            "collapse_repeats": not keep_repeats, "top_n": top,
            "date_range": {"date_from": date_from, "date_to": date_to}})
        if sankey is not None and sankey.suffix.lower() not in (".html", ".png"):
            raise ConfigError(f"--sankey {sankey}: write .html or .png")
        with engine_from(db) as engine:
            result = run_paths(engine, q)
        if sankey is not None:
            write(result.payload, sankey, title=f"Paths ({q.level})")
        if json_out:
            print_json(result.to_dict())
            return
        p = result.payload
        t = Table(title=f"Top paths ({p['actors']:,} sessions)", title_justify="left")
        t.add_column("path")
        t.add_column("sessions", justify="right")
        for row in p["paths"]:
            t.add_row(escape(" → ".join(row["path"])), f"{row['count']:,}")
        out.print(t)
        d = Table(title="Drop-offs per step", title_justify="left")
        for c in ("step", "sessions", "continued", "ended"):
            d.add_column(c, justify="right")
        for row in p["dropoffs"]:
            d.add_row(str(row["step"]), f"{row['actors']:,}", f"{row['continued']:,}",
                      f"{row['ended']:,} ({_pct(row['ended_share'])})")
        out.print(d)
        if sankey is not None:
            out.print(f"sankey: {escape(str(sankey))}")
