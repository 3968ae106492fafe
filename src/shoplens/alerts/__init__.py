"""Alerts: watch the shop's key metrics and say which days were anomalous, where and why.

Python API::

    from shoplens.alerts import detect
    report = detect(engine, metrics=["revenue", "orders"], sensitivity="medium",
                    holidays=[Holiday.parse("2024-11-29:Black Friday")])
    for a in report.anomalies:
        print(a.message)   # "Revenue on 2024-06-12 was 41 % below the expected 1,210 ..."

Every watched metric is a trends query of the insight query model
(:mod:`shoplens.alerts.metrics`); expected values come from a robust local
trend + weekday fit (:mod:`shoplens.alerts.model`), days are judged by
:mod:`shoplens.alerts.detect`, explained by :mod:`shoplens.alerts.rootcause`
(Adtributor), checked for data quality by
:mod:`shoplens.alerts.quality` and worded by :mod:`shoplens.alerts.wording`. See
docs/alerts.md.
"""

from __future__ import annotations

from shoplens.alerts.api import detect
from shoplens.alerts.metrics import BUILTIN, DEFAULT_METRICS, Metric, known_metrics
from shoplens.alerts.params import AlertParams, Holiday
from shoplens.alerts.result import EXIT_ALERTS, AlertReport, Anomaly

__all__ = ["BUILTIN", "DEFAULT_METRICS", "EXIT_ALERTS", "AlertParams", "AlertReport", "Anomaly",
           "Holiday", "Metric", "detect", "known_metrics"]
