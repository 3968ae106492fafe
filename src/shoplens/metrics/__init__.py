"""Metrics: active users, revenue and funnels, each a query of the insight query model.

Python API::

    from shoplens.metrics import MetricsParams, compute_metrics
    result = compute_metrics(engine, MetricsParams(start=date(2024, 1, 1)))

Each metric is a trends document (:mod:`shoplens.metrics.queries`); the naive form is
its raw statement, the optimized form the planner's answer from the rollups that every
load maintains incrementally (:mod:`shoplens.metrics.rollups`);
:mod:`shoplens.metrics.bench` times both forms.
"""

from shoplens.metrics.compute import MetricsResult, compute_metrics, resolve_range
from shoplens.metrics.params import MetricsParams
from shoplens.metrics.queries import METRIC_QUERY_NAMES, metric_query

__all__ = ["METRIC_QUERY_NAMES", "MetricsParams", "MetricsResult", "compute_metrics",
           "metric_query", "resolve_range"]
