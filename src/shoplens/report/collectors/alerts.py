"""Anomalies of the key metrics over the last four weeks, from :mod:`shoplens.alerts`."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext, require
from shoplens.report.model import AlertSection

#: days the report's alert section judges
REPORT_DAYS = 28


def collect(ctx: ReportContext) -> AlertSection:
    alerts = require("shoplens.alerts", "detect")
    report = alerts.detect(ctx.engine, since=f"-{REPORT_DAYS}d")
    doc = report.to_dict()
    return AlertSection(
        since=doc["since"], date_to=doc["date_to"], sensitivity=doc["sensitivity"],
        fired=doc["fired"], metrics=doc["metrics"], anomalies=doc["anomalies"],
        data_quality=doc["data_quality"],
        notes=doc["notes"] + [n for m in doc["metrics"] for n in m["notes"]][:5])
