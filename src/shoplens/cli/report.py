"""``shoplens report``: the HTML page, the one-page PDF and results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.common import DbOption, console, engine_from, literal, params


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        out_dir: Annotated[Path, typer.Option("--out", help="Folder for index.html, summary.pdf, "
                                              "results.json and the PNGs.")] = Path("shoplens-report"),
        db: DbOption = None,
        search: Annotated[str | None, typer.Option(
            "--search", envvar="SHOPLENS_SEARCH",
            help="Search engine URL for the segments (default: start the bundled server).")] = None,
        llm: Annotated[str, typer.Option("--llm", help="Insight writer: offline, gemini, openai.")]
        = "offline",
        repeat: Annotated[int, typer.Option("--repeat", min=1,
                                            help="Benchmark runs per query.")] = 3,
        static: Annotated[bool, typer.Option("--static", help="PNG charts only (no plotly.js).")]
        = False,
        skip: Annotated[str, typer.Option(
            "--skip", help="Comma-separated sections not to compute, e.g. benchmark,segments.")]
        = "",
    ) -> None:
        """Build the report from what the database holds."""
        from shoplens.report import ReportParams, build_report

        chosen = params(ReportParams, out=out_dir, search_url=search, llm=llm,
                        bench_repeat=repeat, interactive=not static,
                        skip=tuple(k.strip() for k in skip.split(",") if k.strip()))
        with engine_from(db) as engine, console.status("Collecting the report's sections…"):
            report, files = build_report(engine, chosen)
        for key in ("overview", "kpis", "benchmark", "cohorts", "funnel", "paths", "segments",
                    "insights"):
            section = report.section(key)
            if not section.available:
                console.print(f"[yellow]{key}:[/] {literal(section.reason)}", highlight=False)
        errors = files.folder / "report-errors.log"
        if errors.exists():
            console.print(f"tracebacks of the failed sections: {literal(errors)}", highlight=False)
        typer.echo(str(files.html.resolve()))  # plain: a path must not be wrapped
