"""Metrics: active users, revenue and funnels, each as a naive and an optimized query.

Python API::

    from shoplens.metrics import MetricsParams, compute_metrics
    result = compute_metrics(engine, MetricsParams(start=date(2024, 1, 1)))

The optimized form reads rollup tables that every load maintains incrementally
(:mod:`shoplens.metrics.rollups`); :mod:`shoplens.metrics.bench` times both forms.
"""

from shoplens.metrics.compute import MetricsResult, compute_metrics, resolve_range
from shoplens.metrics.params import MetricsParams
from shoplens.metrics.registry import METRICS, MetricQuery

__all__ = ["METRICS", "MetricQuery", "MetricsParams", "MetricsResult", "compute_metrics",
           "resolve_range"]
