"""Run the demo's stages in order, report each one, and always write the report."""

from __future__ import annotations

import contextlib
import resource
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from shoplens.demo.stages import (
    STAGES,
    DemoState,
    SectionFailed,
    Stage,
    StageUnavailable,
    stop_search,
)
from shoplens.engines import connect
from shoplens.report.build import ReportFiles, write_report
from shoplens.report.collectors import (
    NotAvailable,
    ReportContext,
    collect_section,
    file_log,
    new_report,
)
from shoplens.report.model import SECTION_KEYS, StageTiming


class DemoParams(BaseModel):
    """Options of ``shoplens demo``."""

    model_config = ConfigDict(extra="forbid")

    out: Path = Path("shoplens-demo")
    users: int = Field(20_000, ge=10)
    months: int = Field(12, ge=1, le=120)
    seed: int = 42
    llm: str = "offline"
    bench_repeat: int = Field(3, ge=1)


@dataclass(frozen=True)
class DemoResult:
    stages: list[StageTiming]
    files: ReportFiles | None
    #: wall-clock seconds
    seconds: float
    #: CPU seconds of this process and its finished children (the search server): on a
    #: shared machine the wall clock also counts the time spent waiting for a core
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.status == "ok" for s in self.stages)


_STYLE = {"ok": "green", "failed": "bold red", "skipped": "yellow", "unavailable": "yellow"}


_MARK = {"ok": "✓", "failed": "✗", "skipped": "–", "unavailable": "–"}


class _Board:
    """One progress row per stage: waiting, running (spinner and clock), then its status."""

    def __init__(self, progress: Progress, titles: list[str]) -> None:
        self.progress = progress
        self.titles = titles
        self.tasks: list[TaskID] = [
            progress.add_task(f"[dim]  {t}[/]", total=None, start=False, note="")
            for t in titles]

    def running(self, i: int) -> None:
        self.progress.start_task(self.tasks[i])
        self.progress.update(self.tasks[i], description=f"[bold]  {self.titles[i]}[/] …")

    def step(self, i: int, what: str, fraction: float | None) -> None:
        """A long stage's own progress: what it does now and how far it is."""
        # Kept below 1: rich stamps a task's elapsed time when it first completes, and a
        # stage's own estimate (rows of a file, say) can reach 1 before the stage ends.
        self.progress.update(self.tasks[i], note=what[:48],
                             total=None if fraction is None else 1.0,
                             completed=0 if fraction is None else min(fraction, 0.999))

    def finish(self, i: int, status: str) -> None:
        colour = _STYLE[status]
        self.progress.start_task(self.tasks[i])  # a skipped stage never started its clock
        self.progress.update(self.tasks[i], total=1, completed=1, note="", description=(
            f"[{colour}]{_MARK[status]} {self.titles[i]}[/] [{colour}]{status}[/]"))
        self.progress.stop_task(self.tasks[i])


def _run_stage(stage: Stage, state: DemoState, done: dict[str, str], console: Console,
               board: _Board, i: int) -> StageTiming:
    head = f"[bold]{board.titles[i]}[/]"
    blocked = [n for n in stage.needs if done.get(n) != "ok"]
    if blocked:
        detail = "skipped: needs " + ", ".join(f"{n} ({done.get(n, 'not run')})" for n in blocked)
        console.print(f"{head}: [yellow]{detail}[/]", highlight=False)
        board.finish(i, "skipped")
        assert state.report is not None
        for key in stage.fills:
            if not state.report.section(key).available:
                state.report.section(key).reason = f"not computed: demo stage {stage.key!r} {detail}"
        return StageTiming(name=stage.key, status="skipped", seconds=0.0, detail=detail)
    board.running(i)
    state.progress = lambda what, fraction: board.step(i, what, fraction)
    if state.ctx is not None:
        state.ctx.progress = state.progress
    start = time.perf_counter()
    try:
        detail = stage.run(state)
        status = "ok"
    except (NotAvailable, StageUnavailable) as exc:
        status, detail = "unavailable", f"not available yet: {exc}"
    except Exception as exc:
        status = "failed"
        detail = str(exc) if isinstance(exc, SectionFailed) else f"{type(exc).__name__}: {exc}"
        with (state.out / "demo-errors.log").open("a", encoding="utf-8") as log:
            log.write(f"--- stage {stage.key}\n{traceback.format_exc()}\n")
    seconds = time.perf_counter() - start
    assert state.report is not None
    for key in stage.fills:
        section = state.report.section(key)
        if status != "ok" and section.reason == "not collected":
            section.reason = (f"failed in demo stage {stage.key!r}: {detail}"
                              if status == "failed" else detail)
    colour = _STYLE[status]
    board.finish(i, status)
    console.print(f"{head}: [{colour}]{status}[/] in {seconds:.1f} s — {detail}", highlight=False)
    return StageTiming(name=stage.key, status=status, seconds=round(seconds, 2), detail=detail)


def run_demo(params: DemoParams, console: Console | None = None,
             stages: Sequence[Stage] = STAGES) -> DemoResult:
    """Run every stage; a failing stage says which and why, later independent stages still
    run, and the report is always written with what succeeded."""
    console = console or Console(stderr=True)
    out = params.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "demo-errors.log").unlink(missing_ok=True)
    state = DemoState(out=out, users=params.users, months=params.months, seed=params.seed)
    # A fresh database each run: the demo owns this file and nothing else.
    for stale in (state.db_path, state.db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    timings: list[StageTiming] = []
    files: ReportFiles | None = None
    state.engine = connect(f"duckdb:{state.db_path}")
    try:
        state.report = new_report(state.engine)
        state.report.title = "ShopLens demo report"
        state.ctx = ReportContext(engine=state.engine, out=state.report_dir, llm=params.llm,
                                  bench_repeat=params.bench_repeat, seed=params.seed,
                                  log=file_log(out / "demo-errors.log"))
        done: dict[str, str] = {}
        total = len(stages) + 1
        titles = [f"{n}/{total} {s.title}" for n, s in enumerate(stages, 1)]
        titles.append(f"{total}/{total} Report")
        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                            BarColumn(bar_width=24), TimeElapsedColumn(),
                            TextColumn("[dim]{task.fields[note]}"), console=console)
        with progress:
            board = _Board(progress, titles)
            try:
                for i, stage in enumerate(stages):
                    timing = _run_stage(stage, state, done, console, board, i)
                    timings.append(timing)
                    done[stage.key] = timing.status
            finally:
                with contextlib.suppress(Exception):
                    stop_search(state)
            board.running(total - 1)
            files = _report_stage(state, done, timings, console, out)
            board.finish(total - 1, timings[-1].status)
    finally:
        state.engine.close()
    return DemoResult(stages=timings, files=files, seconds=time.perf_counter() - t0,
                      cpu_seconds=_cpu_seconds() - cpu0)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _report_stage(state: DemoState, done: dict[str, str], timings: list[StageTiming],
                  console: Console, out: Path) -> ReportFiles | None:
    """Write the report with whatever the stages computed (always runs)."""
    assert state.report is not None and state.ctx is not None
    start = time.perf_counter()
    timing = StageTiming(name="report", status="ok", seconds=0.0,
                         detail=str(state.report_dir / "index.html"))
    timings.append(timing)
    try:
        if not state.report.overview.available and done.get("load") == "ok":
            state.report.overview = collect_section("overview", state.ctx)
        for key in SECTION_KEYS:
            section = state.report.section(key)
            if section.reason == "not collected":
                section.reason = "not computed in this demo run"
        state.report.stages = timings
        files = write_report(state.report, state.report_dir)
        timing.seconds = round(time.perf_counter() - start, 2)
        # results.json holds the stage timings too, including the report's own
        files.json.write_text(state.report.model_dump_json(indent=2), encoding="utf-8")
    except Exception as exc:
        timing.status, timing.detail = "failed", f"{type(exc).__name__}: {exc}"
        timing.seconds = round(time.perf_counter() - start, 2)
        console.print(f"[bold]Report[/]: [bold red]failed[/] — {timing.detail}", highlight=False)
        with (out / "demo-errors.log").open("a", encoding="utf-8") as log:
            log.write(f"--- stage report\n{traceback.format_exc()}\n")
        return None
    console.print(f"[bold]Report[/]: [green]ok[/] in {timing.seconds:.1f} s — {files.html}",
                  highlight=False)
    return files
