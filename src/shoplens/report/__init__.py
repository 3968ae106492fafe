"""The report: every number of every capability in one HTML page, a one-page PDF and
``results.json``.

``build_report(engine, ReportParams(out=...))`` collects each section through its
capability's Python API (see :mod:`shoplens.report.collectors`) and writes the files.
"""

from __future__ import annotations

from shoplens.report.build import ReportFiles, ReportParams, build_report, write_report
from shoplens.report.model import ReportData

__all__ = ["ReportData", "ReportFiles", "ReportParams", "build_report", "write_report"]
