"""Errors of the search-engine layer (all ShopLens errors: the CLI prints them cleanly)."""

from __future__ import annotations

from shoplens.errors import ShopLensError


class SearchUnavailableError(ShopLensError):
    """The search engine cannot be reached (down, wrong URL, refused TLS or credentials)."""


class BulkIndexError(ShopLensError):
    """Some documents were rejected by the search engine; ``report`` says which and why."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report
