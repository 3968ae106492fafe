"""funnel: waits for its capability's Python API."""

from __future__ import annotations

from shoplens.report.collectors import NotAvailable, ReportContext
from shoplens.report.model import Section


def collect(ctx: ReportContext) -> Section:
    raise NotAvailable("the funnel capability has not landed")
