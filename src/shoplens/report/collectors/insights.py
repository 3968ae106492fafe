"""Insights written by the configured LLM provider (offline by default) from
:mod:`shoplens.events` statistics."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext
from shoplens.report.collectors.events import events_doc
from shoplens.report.model import Insight, InsightSection


def collect(ctx: ReportContext) -> InsightSection:
    doc = events_doc(ctx)
    return InsightSection(
        provider=doc.get("provider"), model=doc.get("model"),
        insights=[Insight.model_validate(i) for i in doc.get("insights", [])],
        taxonomy=[{k: t.get(k) for k in ("raw", "stage", "confidence", "method", "events")}
                  for t in doc.get("taxonomy", [])],
    )
