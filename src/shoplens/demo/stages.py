"""The demo's stages: small typed steps, each with what it needs and what it fills.

A stage's ``run`` gets the shared :class:`DemoState` and returns a one-line detail. A
stage whose ``needs`` did not succeed is skipped (with the reason); a stage that raises
is marked failed with the error, and every stage before it keeps its results. Stages
that fill report sections do it through the report's collectors, so the demo and
``shoplens report`` compute each number the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoplens.engines import Engine
from shoplens.report.collectors import NotAvailable, ReportContext, collect_section, require
from shoplens.report.collectors.funnel import stage_steps
from shoplens.report.model import ReportData


@dataclass
class DemoState:
    """What the stages share while the demo runs."""

    out: Path
    users: int
    months: int
    seed: int
    engine: Engine | None = None
    report: ReportData | None = None
    ctx: ReportContext | None = None
    search_server: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    #: ``progress(what, fraction_done_or_None)`` of the running stage
    progress: Callable[[str, float | None], None] = lambda _what, _fraction: None

    @property
    def data_dir(self) -> Path:
        return self.out / "data"

    @property
    def db_path(self) -> Path:
        return self.out / "shoplens.duckdb"

    @property
    def report_dir(self) -> Path:
        return self.out / "report"


class StageUnavailable(Exception):
    """The capability a stage runs has not been installed yet."""


class SectionFailed(Exception):
    """A report section the stage computes failed; its reason names the error."""


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    run: Callable[[DemoState], str]
    needs: tuple[str, ...] = ()
    #: report sections this stage computes
    fills: tuple[str, ...] = ()


def _collect(state: DemoState, *keys: str) -> str:
    """Collect report sections; raise if one failed so the stage says which and why."""
    assert state.report is not None and state.ctx is not None
    details, failures, missing = [], [], []
    for key in keys:
        section = collect_section(key, state.ctx)
        setattr(state.report, key, section)
        if section.available:
            details.append(f"{key} ok")
        elif (section.reason or "").startswith("not available yet"):
            missing.append(f"{key}: {section.reason}")
        elif (section.reason or "").startswith("no data"):
            details.append(f"{key}: {section.reason}")
        else:
            failures.append(f"{key}: {section.reason}")
    if failures:
        raise SectionFailed("; ".join(failures))
    if missing and not details:
        raise StageUnavailable("; ".join(missing))
    return ", ".join(details + missing)


# -- the stages --------------------------------------------------------------------------
def generate(state: DemoState) -> str:
    gen = require("shoplens.generate", "generate", "GenerateParams")
    if state.data_dir.exists():
        shutil.rmtree(state.data_dir)
    summary = gen.generate(gen.GenerateParams(users=state.users, months=state.months,
                                              seed=state.seed), state.data_dir,
                           progress=state.progress)
    state.results["generate"] = summary
    return (f"{summary.users:,} users, {summary.events:,} events, {summary.sessions:,} sessions, "
            f"{summary.searches:,} searches ({summary.start} to {summary.end})")


def load(state: DemoState) -> str:
    ingest = require("shoplens.ingest", "load")
    assert state.engine is not None
    def progress(what: str, done: int, total: int | None) -> None:
        state.progress(f"{what} {done:,} rows", min(done / total, 1.0) if total else None)

    report = ingest.load(state.engine, [state.data_dir], progress=progress)
    state.results["load"] = report
    loaded = getattr(report, "rows_loaded", None)
    quarantined = getattr(report, "rows_quarantined", None)
    events = state.engine.scalar("SELECT count(*) FROM events")
    text = f"{events:,} events in DuckDB"
    if loaded is not None:
        text += f"; {loaded:,} rows loaded, {quarantined or 0:,} quarantined"
    return text


def metrics(state: DemoState) -> str:
    return _collect(state, "overview", "kpis", "funnel")


def bench(state: DemoState) -> str:
    return _collect(state, "benchmark")


def cohorts(state: DemoState) -> str:
    return _collect(state, "cohorts", "growth")


def search_server(state: DemoState) -> str:
    server_mod = require("shoplens.search.server", "BundledServer")
    server = server_mod.BundledServer(log=state.out / "osmem-server.log").start()
    state.search_server = server
    assert state.ctx is not None
    state.ctx.search_url = server.url
    return f"osmem-server at {server.url}"


def index(state: DemoState) -> str:
    logs = require("shoplens.search.logs", "index_search_logs")
    client_mod = require("shoplens.search.client", "connect_search")
    assert state.ctx is not None and state.engine is not None and state.ctx.search_url
    client = client_mod.connect_search(state.ctx.search_url)
    result = logs.index_search_logs(state.engine, client)
    state.results["index"] = result
    indexed = getattr(result, "indexed", None)
    failed = getattr(result, "failed", None)
    if indexed is None:
        return str(result)
    return f"{indexed:,} search logs indexed" + (f", {failed:,} failed" if failed else "")


def segment(state: DemoState) -> str:
    return _collect(state, "segments")


def events(state: DemoState) -> str:
    detail = _collect(state, "paths", "insights")
    assert state.report is not None and state.ctx is not None
    doc = state.ctx.cache.get("events")
    if doc and state.report.funnel.available:
        state.report.funnel.stage_steps = stage_steps(doc)
    elif doc and not state.report.funnel.available:
        detail += ", " + _collect(state, "funnel")
    return detail


def stop_search(state: DemoState) -> str:
    if state.search_server is not None:
        state.search_server.stop()
        state.search_server = None
        return "stopped"
    return "was not running"


STAGES: tuple[Stage, ...] = (
    Stage("generate", "Generate the shop", generate),
    Stage("load", "Load into DuckDB", load, needs=("generate",)),
    Stage("metrics", "Metrics", metrics, needs=("load",), fills=("overview", "kpis", "funnel")),
    Stage("bench", "Benchmark naive vs optimized", bench, needs=("load",), fills=("benchmark",)),
    Stage("cohorts", "Cohorts", cohorts, needs=("load",), fills=("cohorts",)),
    Stage("search", "Start the bundled search server", search_server),
    Stage("index", "Index the site searches", index, needs=("load", "search")),
    Stage("segment", "Segment the shoppers", segment, needs=("load", "index"),
          fills=("segments",)),
    Stage("events", "Events and offline LLM insights", events, needs=("load",),
          fills=("paths", "insights")),
)

__all__ = ["STAGES", "DemoState", "NotAvailable", "SectionFailed", "Stage", "StageUnavailable",
           "stop_search"]
