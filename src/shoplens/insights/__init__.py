"""Insights: one typed query model (trends, retention, lifecycle, stickiness, funnels,
paths), planned from rollups or raw events and compiled by SQLGlot for every engine.

The model lives in :mod:`shoplens.insights.schema`; the result type in
:mod:`shoplens.insights.result`.
"""

from __future__ import annotations

from shoplens.insights.result import InsightResult
from shoplens.insights.schema import (
    Breakdown,
    DateRange,
    EventSeries,
    FilterGroup,
    FunnelExclusion,
    FunnelsQuery,
    FunnelStep,
    InsightQuery,
    LifecycleQuery,
    PathsQuery,
    PropertyFilter,
    RetentionQuery,
    StickinessQuery,
    TrendsQuery,
    parse_query,
    query_json_schema,
)

__all__ = [
    "Breakdown", "DateRange", "EventSeries", "FilterGroup", "FunnelExclusion", "FunnelStep",
    "FunnelsQuery", "InsightQuery", "InsightResult", "LifecycleQuery", "PathsQuery",
    "PropertyFilter", "RetentionQuery", "StickinessQuery", "TrendsQuery", "parse_query",
    "query_json_schema",
]
