"""ShopLens: open e-commerce analytics on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

__version__ = "0.1.0"

from shoplens.engines import Engine, connect
from shoplens.insights.api import lifecycle, query, retention, stickiness, trends

__all__ = ["Engine", "__version__", "connect", "lifecycle", "query", "retention", "stickiness",
           "trends"]
