"""ShopLens: open e-commerce analytics on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

__version__ = "0.1.0"

from shoplens.engines import Engine, connect

__all__ = ["Engine", "__version__", "clv", "connect"]


def __getattr__(name: str) -> object:
    # capabilities imported on first use (``sl.clv(...)``), so ``import shoplens`` stays light
    if name == "clv":
        import importlib

        return importlib.import_module(f"shoplens.{name}")
    raise AttributeError(f"module 'shoplens' has no attribute {name!r}")
