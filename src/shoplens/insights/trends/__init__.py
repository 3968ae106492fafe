"""Trends: series of event counts, users, sums of a property and formulas over time."""

from __future__ import annotations

from shoplens.insights.trends.compile import ResolvedTrends, compile_trends, resolve_trends

__all__ = ["ResolvedTrends", "compile_trends", "resolve_trends"]
