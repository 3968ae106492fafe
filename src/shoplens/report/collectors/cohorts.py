"""Cohort retention from :mod:`shoplens.cohorts` (monthly signup cohorts, weekly offsets,
8 weeks: the brief's default) plus the size-weighted average curve."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext, require
from shoplens.report.model import CohortRow, CohortSection


def weighted_average(rows: list[CohortRow]) -> list[float | None]:
    """Per offset, the mean of the observable cells weighted by cohort size.

    Notes
    -----
    A censored cell (``None``: the period is after the end of the data) is left out of
    both the numerator and the denominator, so late cohorts do not drag the curve to 0;
    an offset no cohort can observe is ``None``.
    """
    width = max((len(r.values) for r in rows), default=0)
    out: list[float | None] = []
    for j in range(width):
        cells = [(r.size, r.values[j]) for r in rows
                 if j < len(r.values) and r.values[j] is not None and r.size > 0]
        weight = sum(s for s, _ in cells)
        out.append(sum(s * v for s, v in cells) / weight if weight else None)
    return out


def collect(ctx: ReportContext) -> CohortSection:
    if "cohorts" in ctx.cache:
        doc = ctx.cache["cohorts"]
    else:
        mod = require("shoplens.cohorts", "retention")
        doc = mod.retention(ctx.engine, mod.CohortParams())
    if hasattr(doc, "model_dump"):
        doc = doc.model_dump(mode="json")
    rows = [CohortRow(cohort=str(c["cohort"]), size=int(c["size"]),
                      values=[None if v is None else float(v) for v in c["values"]])
            for c in doc["cohorts"]]
    section = CohortSection(cohort_by=doc.get("cohort_by"), period=doc.get("period"),
                            offset_unit=doc.get("offset_unit"), measure=doc.get("measure"),
                            cohorts=rows, average=weighted_average(rows))
    if not rows:
        section.available = False
        section.reason = "no data: no cohort has any user"
    return section
