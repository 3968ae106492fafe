"""ShopLens: open e-commerce analytics on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

__version__ = "0.1.0"

from shoplens.engines import Engine, connect
from shoplens.insights.api import lifecycle, query, retention, stickiness, trends

__all__ = ["Engine", "__version__", "ask", "clv", "connect", "lifecycle", "query", "retention",
           "stickiness", "trends"]


def __getattr__(name: str) -> object:
    # capabilities imported on first use (``sl.clv(...)``, ``sl.ask(...)``), so
    # ``import shoplens`` stays light
    if name == "clv":
        import importlib

        return importlib.import_module(f"shoplens.{name}")
    if name == "ask":
        from shoplens.ask import ask

        return ask
    raise AttributeError(f"module 'shoplens' has no attribute {name!r}")
