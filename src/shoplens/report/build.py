"""Build the report: collect every section, draw the charts, write the four outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from shoplens.engines import Engine
from shoplens.report import readings
from shoplens.report.charts import render_pngs
from shoplens.report.collectors import ReportContext, collect, file_log
from shoplens.report.html import render_html
from shoplens.report.model import SECTION_KEYS, ReportData
from shoplens.report.pdf import render_pdf


class ReportParams(BaseModel):
    """Options of ``shoplens report``."""

    model_config = ConfigDict(extra="forbid")

    out: Path = Path("shoplens-report")
    search_url: str | None = None
    llm: str = "offline"
    bench_repeat: int = 3
    interactive: bool = True
    title: str = "ShopLens report"
    #: sections not to collect (each then says it was skipped)
    skip: tuple[str, ...] = ()

    @field_validator("skip")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in SECTION_KEYS]
        if unknown:
            raise ValueError(f"unknown section(s) {', '.join(unknown)}; "
                             f"known: {', '.join(SECTION_KEYS)}")
        return value


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    html: Path
    pdf: Path
    json: Path
    pngs: tuple[Path, ...]


def write_report(report: ReportData, out: Path, *, interactive: bool = True) -> ReportFiles:
    """Render an already collected :class:`ReportData` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    keep = {name for key in SECTION_KEYS for name in report.section(key).charts.values()}
    for stale in out.glob("*.png"):
        if stale.name not in keep:  # a chart of an earlier run the data no longer has
            stale.unlink()
    readings.fill(report)
    pngs = render_pngs(report, out)
    json_path = out / "results.json"
    json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    html = render_html(report, out, interactive=interactive)
    pdf = render_pdf(report, out)
    return ReportFiles(out, html, pdf, json_path, tuple(pngs))


def build_report(engine: Engine, params: ReportParams | None = None,
                 *, context: ReportContext | None = None,
                 keys: tuple[str, ...] = SECTION_KEYS) -> tuple[ReportData, ReportFiles]:
    """Collect every section from ``engine`` and write ``index.html``, ``summary.pdf``,
    ``results.json`` and the PNGs into ``params.out``.

    Notes
    -----
    A section whose capability is missing or fails is written as unavailable with its
    reason; the report is still complete in every other section.
    """
    params = params or ReportParams()
    (params.out / "report-errors.log").unlink(missing_ok=True)
    ctx = context or ReportContext(engine=engine, out=params.out, search_url=params.search_url,
                                   llm=params.llm, bench_repeat=params.bench_repeat,
                                   log=file_log(params.out / "report-errors.log"))
    report = collect(ctx, tuple(k for k in keys if k not in params.skip))
    for key in params.skip:
        report.section(key).reason = "not collected: skipped with --skip"
    report.title = params.title
    files = write_report(report, params.out, interactive=params.interactive)
    return report, files
