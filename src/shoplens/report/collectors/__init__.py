"""Collectors: one per report section, each calling its capability's Python API.

A collector takes a :class:`ReportContext` and returns its section. :func:`collect_section`
runs one collector and never lets it break the report: a capability that is not
installed yet gives ``"not available yet: ..."``, one that raises gives
``"failed: <error>"``; either way the section says so and the other sections still run.
"""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplens.engines import Engine
from shoplens.engines.base import redact
from shoplens.report.model import SECTION_KEYS, ReportData, Section


class NotAvailable(Exception):
    """A capability the section needs is not installed (yet)."""


@dataclass
class ReportContext:
    """What the collectors share: the database, options, and results computed earlier.

    ``cache`` holds results a demo stage already computed (for example the benchmark
    rows), keyed by section; a collector uses them instead of computing them again.
    """

    engine: Engine
    out: Path
    search_url: str | None = None
    llm: str = "offline"
    bench_repeat: int = 3
    seed: int = 42
    cache: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = lambda _msg: None
    #: ``progress(what, fraction_done_or_None)`` for long collectors (the demo's board)
    progress: Callable[[str, float | None], None] = lambda _what, _fraction: None


def file_log(path: Path) -> Callable[[str], None]:
    """A ``ReportContext.log`` that appends to ``path`` (created on the first message)."""

    def log(message: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(message.rstrip() + "\n")

    return log


def require(module: str, *names: str) -> Any:
    """Import ``module`` (and check it has ``names``) or raise :class:`NotAvailable`."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise NotAvailable(f"{module} is not installed ({exc})") from exc
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise NotAvailable(f"{module} has no {', '.join(missing)}")
    return mod


Collector = Callable[[ReportContext], Section]


def _registry() -> dict[str, tuple[type[Section], Collector]]:
    from shoplens.report.collectors import (
        benchmark,
        cohorts,
        funnel,
        growth,
        insights,
        kpis,
        overview,
        paths,
        segments,
    )
    from shoplens.report.model import (
        BenchmarkSection,
        CohortSection,
        FunnelSection,
        GrowthSection,
        InsightSection,
        KpiSection,
        Overview,
        PathsSection,
        SegmentSection,
    )

    return {
        "overview": (Overview, overview.collect),
        "kpis": (KpiSection, kpis.collect),
        "benchmark": (BenchmarkSection, benchmark.collect),
        "cohorts": (CohortSection, cohorts.collect),
        "growth": (GrowthSection, growth.collect),
        "funnel": (FunnelSection, funnel.collect),
        "paths": (PathsSection, paths.collect),
        "segments": (SegmentSection, segments.collect),
        "insights": (InsightSection, insights.collect),
    }


def collect_section(key: str, ctx: ReportContext) -> Section:
    """Run the collector of section ``key``; failures become an unavailable section."""
    kind, fn = _registry()[key]
    start = time.perf_counter()
    try:
        section = fn(ctx)
    except NotAvailable as exc:
        section = kind.unavailable(f"not available yet: {exc}")
    except Exception as exc:
        ctx.log(f"section {key} failed:\n{traceback.format_exc()}")
        section = kind.unavailable(f"failed: {type(exc).__name__}: {exc}")
    section.seconds = round(time.perf_counter() - start, 3)
    return section


def new_report(engine: Engine) -> ReportData:
    return ReportData(generated_at=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
                      database=redact(engine.url), engine=engine.name)


#: collection order: the funnel after the event analysis so it can add the journey stages
COLLECT_ORDER = ("overview", "kpis", "benchmark", "cohorts", "growth", "paths", "insights",
                 "funnel", "segments")


def collect(ctx: ReportContext, keys: tuple[str, ...] = SECTION_KEYS,
            report: ReportData | None = None) -> ReportData:
    """Collect ``keys`` into ``report`` (a new one by default)."""
    report = report or new_report(ctx.engine)
    for key in sorted(keys, key=lambda k: COLLECT_ORDER.index(k) if k in COLLECT_ORDER else 99):
        setattr(report, key, collect_section(key, ctx))
    return report


__all__ = ["NotAvailable", "ReportContext", "collect", "collect_section", "file_log",
           "new_report", "require"]
