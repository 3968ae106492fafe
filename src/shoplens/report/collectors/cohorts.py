"""Cohort retention from :mod:`shoplens.cohorts`: the brief's default (monthly signup
cohorts followed week by week for 8 weeks), with the capability's weighted average."""

from __future__ import annotations

from typing import Any

from shoplens.report.collectors import ReportContext, require
from shoplens.report.model import CohortRow, CohortSection


def weighted_average(rows: list[CohortRow]) -> list[float | None]:
    """Per offset, the mean of the observable cells weighted by cohort size.

    Notes
    -----
    A censored cell (``None``: the period is after the end of the data) is left out of
    both the numerator and the denominator, so late cohorts do not drag the curve to 0;
    an offset no cohort can observe is ``None``. Used where a cohort document carries
    no average of its own.
    """
    width = max((len(r.values) for r in rows), default=0)
    out: list[float | None] = []
    for j in range(width):
        cells = [(r.size, r.values[j]) for r in rows
                 if j < len(r.values) and r.values[j] is not None and r.size > 0]
        weight = sum(s for s, _ in cells)
        out.append(sum(s * v for s, v in cells) / weight if weight else None)
    return out


def _capability_pngs(ctx: ReportContext, result: Any) -> dict[str, str]:
    """The cohorts capability's own heatmap and curves (average row, observed-range
    footnote) as the report's PNGs; an empty dict makes the report draw its own."""
    try:
        plots = require("shoplens.cohorts.plots", "heatmap_png", "curves_png")
        ctx.out.mkdir(parents=True, exist_ok=True)
        plots.heatmap_png(result, ctx.out / "cohort_heatmap.png")
        plots.curves_png(result, ctx.out / "cohort_curves.png")
    except Exception as exc:
        ctx.log(f"cohort plots of the cohorts capability failed, drawing our own: {exc}")
        return {}
    return {"cohort_heatmap": "cohort_heatmap.png", "cohort_curves": "cohort_curves.png"}


def collect(ctx: ReportContext) -> CohortSection:
    charts: dict[str, str] = {}
    if "cohorts" not in ctx.cache:
        mod = require("shoplens.cohorts", "compute_cohorts", "CohortParams")
        result = mod.compute_cohorts(ctx.engine, mod.CohortParams())
        ctx.cache["cohorts"] = result.to_json_dict()
        if result.rows:
            charts = _capability_pngs(ctx, result)
    doc = ctx.cache["cohorts"]
    rows = [CohortRow(cohort=str(c.get("label") or c["cohort"]), size=int(c["size"]),
                      values=[None if v is None else float(v) for v in c["values"]])
            for c in doc["cohorts"] if int(c["size"]) > 0]
    average = doc.get("average")
    avg_values = average["values"] if isinstance(average, dict) else average
    section = CohortSection(
        cohort_by=doc.get("cohort_by"), period=doc.get("period"),
        offset_unit=doc.get("offset_unit"), measure=doc.get("measure"), cohorts=rows,
        average=list(avg_values) if avg_values is not None else weighted_average(rows))
    section.note = doc.get("note")
    section.charts.update(charts)
    if not rows:
        section.available = False
        section.reason = "no data: no cohort has any user"
    return section
