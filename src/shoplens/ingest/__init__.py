"""Importers: files in the platform-csv, REES46, UCI Online Retail, clickstream and Parquet
layouts into the ShopLens tables, streaming, validated, idempotent, one transaction per
load. See ``docs/ingest.md``.

>>> from shoplens.engines import connect
>>> from shoplens.ingest import load
>>> report = load(connect("duckdb:shop.duckdb"), ["events.csv"])  # doctest: +SKIP
"""

from __future__ import annotations

from shoplens.ingest.formats import FORMATS
from shoplens.ingest.loader import load
from shoplens.ingest.report import FileReport, LoadReport

__all__ = ["FORMATS", "FileReport", "LoadReport", "load"]
