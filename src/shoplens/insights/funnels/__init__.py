"""Funnels on the insight query model: ordered, strict and any-order variants on one
base, per-step and global windows, exclusions, optional steps, users or sessions,
breakdowns with attribution, trends, time to convert and drop-off lists.

``run_funnel(engine, FunnelsQuery(...))`` is the entry point; see
:func:`shoplens.insights.funnels.runner.run_funnel` for the exact definitions.
"""

from __future__ import annotations

from shoplens.insights.funnels.runner import run_funnel

__all__ = ["run_funnel"]
