"""``shoplens metrics`` and ``shoplens bench``: parse options, call the metrics API, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shoplens.cli.common import (
    DbOption,
    JsonOption,
    console,
    engine_from,
    literal,
    out,
    print_json,
)
from shoplens.cli.common import params as _params
from shoplens.cli.common import parse_date as _date


def _table(title: str, columns: list[str], rows: list[list[object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, justify="left" if col in {"category", "brand", "name", "product",
                                                           "level", "metric"} else "right")
    for row in rows:
        table.add_row(*[literal(v) for v in row])
    return table


def register(app: typer.Typer) -> None:
    @app.command("metrics")
    def metrics_cmd(
        start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
        grain: Annotated[str, typer.Option(help="Revenue series period: day, week, month.")] = "day",
        window_hours: Annotated[float, typer.Option(
            "--window-hours", help="Funnel conversion window after the first view.")] = 24.0,
        top: Annotated[int, typer.Option(help="Length of the top lists.")] = 10,
        naive: Annotated[bool, typer.Option(
            "--naive", help="Compute from raw events (slow reference form).")] = False,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Active users, revenue and funnel over a range of days."""
        from shoplens.metrics import MetricsParams, compute_metrics

        params = _params(MetricsParams, start=_date(start, "--from"), end=_date(end, "--to"),
                         grain=grain, window_hours=window_hours, top_n=top,
                         form="naive" if naive else "optimized")
        with engine_from(db) as engine:
            result = compute_metrics(engine, params)  # type: ignore[arg-type]
        if json_out:
            print_json(result.model_dump())
            return
        out.print(f"[bold]{literal(result.engine)}[/] {result.start} .. {result.end} "
                  f"({literal(result.form)})")
        out.print(_table("Active users per day", ["day", "DAU", "7-day", "28-day"], [
            [d.day, d.users, r.active_7d, r.active_28d]
            for d, r in zip(result.dau, _rolling_for(result), strict=True)]))
        out.print(_table("Weekly active users (Monday weeks)", ["week", "WAU"],
                         [[w.week, w.users] for w in result.wau]))
        out.print(_table("Monthly active users and stickiness",
                         ["month", "MAU", "mean DAU", "DAU/MAU"],
                         [[s.month, s.mau, f"{s.avg_dau:.1f}", f"{s.stickiness:.3f}"]
                          for s in result.stickiness]))
        out.print(_table(f"Net revenue per {literal(result.grain)} and category",
                         ["period", "category", "revenue", "units", "refunded"],
                         [[r.period, r.category, f"{r.revenue:,.2f}", r.units, r.refunded_units]
                          for r in result.revenue_by_category]))
        if result.aov:
            a = result.aov
            out.print(_table("Orders", ["orders", "gross", "refunds", "net", "AOV"], [[
                a.orders, f"{a.gross:,.2f}", f"{a.refunds:,.2f}", f"{a.net:,.2f}",
                f"{a.aov:,.2f}" if a.aov is not None else "-"]]))
        out.print(_table("Top products", ["product", "name", "category", "brand", "revenue",
                                          "units"],
                         [[p.product_id, p.name, p.category, p.brand, f"{p.revenue:,.2f}",
                           p.units] for p in result.top_products]))
        out.print(_table("Top categories", ["category", "revenue", "units"],
                         [[c.category, f"{c.revenue:,.2f}", c.units]
                          for c in result.top_categories]))
        out.print(_table("Top brands", ["brand", "revenue", "units"],
                         [[b.brand, f"{b.revenue:,.2f}", b.units] for b in result.top_brands]))
        # "entered": sessions with a view, users whose first view falls in the range
        # (not every viewer); carts and purchases count within the window after it
        out.print(_table(f"Funnel (window {result.window_hours:g} h; users: first view in "
                         "the range)",
                         ["level", "entered", "carted", "purchased", "view→cart",
                          "cart→purchase", "abandonment"],
                         [[f.level, f.entered, f.carted, f.purchased, _pct(f.view_to_cart),
                           _pct(f.cart_to_purchase), _pct(f.cart_abandonment)]
                          for f in result.funnel]))

    @app.command("bench")
    def bench_cmd(
        events: Annotated[int | None, typer.Option(
            help="Generate and load about N events into a fresh schema first.")] = None,
        repeat: Annotated[int, typer.Option(
            help="Timed reads per form at least, after one untimed warm-up read.")] = 5,
        read_seconds: Annotated[float, typer.Option(
            help="Read each form again while its timed reads took less than this.")] = 1.0,
        plans: Annotated[Path, typer.Option(
            help="Folder for the EXPLAIN ANALYZE plans of both forms.")] = Path("bench-plans"),
        metric: Annotated[list[str] | None, typer.Option(
            "--metric", help="Only this metric (repeatable).")] = None,
        days: Annotated[int, typer.Option(help="Days of generated data.")] = 182,
        seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
        keep: Annotated[bool, typer.Option(help="Keep the generated schema.")] = False,
        synthetic: Annotated[bool, typer.Option(
            "--synthetic", help="Write generated data with the fast vectorized writer "
                                "instead of the generator and importer.")] = False,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Time every metric's query read raw (naive) and by the planner from the rollups
        (optimized); check they return the same rows."""
        from shoplens.metrics.bench import BenchParams, run_bench

        params = _params(BenchParams, events=events, repeat=repeat, plans=plans,
                         read_seconds=read_seconds,
                         metrics=tuple(metric) if metric else None, days=days, seed=seed,
                         keep=keep, synthetic=synthetic)
        with engine_from(db) as engine, console.status("benchmarking") as status:
            report = run_bench(engine, params,  # type: ignore[arg-type]
                               progress=lambda msg: status.update(msg))
        if json_out:
            print_json([r.model_dump(include={"metric", "engine", "naive_ms", "optimized_ms",
                                              "speedup", "rows_equal", "naive_p95_ms",
                                              "optimized_p95_ms", "naive_reads",
                                              "optimized_reads"}) for r in report.rows])
            return
        out.print(f"[bold]{literal(report.engine)}[/]: {report.events:,} events, "
                  f"{report.first_day} .. {report.last_day}; median and p95 of "
                  f"N reads after one untimed warm-up read (N: at least {report.repeat}, "
                  f"more while they took under {report.read_seconds:g} s)")
        out.print(_table("Naive vs optimized", [
            "metric", "naive ms", "naive p95", "optimized ms", "optimized p95", "speed-up",
            "reads (N)", "rows equal"], [[r.metric, f"{r.naive_ms:,.1f}", f"{r.naive_p95_ms:,.1f}",
                             f"{r.optimized_ms:,.2f}", f"{r.optimized_p95_ms:,.2f}",
                             f"{r.speedup:,.1f}x", f"{r.naive_reads} / {r.optimized_reads}",
                             "yes" if r.rows_equal else "NO"]
                            for r in report.rows]))
        c = report.cost
        out.print(_table("Cost of the optimization", ["item", "value"], [
            ["access paths build", _maybe_ms(c.access_paths_ms)],
            ["access paths size", _maybe_bytes(c.access_paths_bytes)],
            ["rollups build", _maybe_ms(c.rollups_ms)],
            ["rollups size (with their indexes)", _maybe_bytes(c.rollups_bytes)],
            ["rollup rows", f"{c.rollup_rows:,}"],
            [f"refresh of one new day ({c.one_day_events:,} events)",
             _maybe_ms(c.refresh_one_day_ms)],
            [f"re-categorization of {c.recategorized_products:,} products",
             _maybe_ms(c.recategorize_ms)],
        ]))
        if report.settings:
            out.print(_table("Server settings", ["setting", "value"],
                             [[k, v] for k, v in report.settings.items()]))
        if report.plans:
            out.print(f"plans: {literal(report.plans / report.engine)}")
        if not all(r.rows_equal for r in report.rows):
            raise typer.Exit(1)


def _rolling_for(result: object) -> list:
    """Rolling actives aligned with the DAU rows (both are per day with data)."""
    by_day = {r.day: r for r in result.rolling_active}  # type: ignore[attr-defined]
    empty = type("R", (), {"active_7d": None, "active_28d": None})
    return [by_day.get(d.day, empty) for d in result.dau]  # type: ignore[attr-defined]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _maybe_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _maybe_bytes(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 2**20:,.1f} MiB" if value >= 2**20 else f"{value / 1024:,.1f} KiB"


