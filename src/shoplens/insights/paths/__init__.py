"""Paths on the insight query model: event, page, category and stage paths with start
and end points, exclusions, collapsed repeats and wildcard groupings; top paths, a
step matrix, drop-offs per step and a sankey diagram.

``run_paths(engine, PathsQuery(...))`` is the entry point.
"""

from __future__ import annotations

from shoplens.insights.paths.runner import run_paths

__all__ = ["run_paths"]
