"""One context manager for "the search engine": a given cluster or the bundled server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opensearchpy import OpenSearch

from shoplens.search.client import connect_search, display_url, search_url_from_env
from shoplens.search.server import BundledServer


@dataclass
class SearchSession:
    """A connected client; ``bundled`` is True when we started (and will stop) the server."""

    client: OpenSearch
    url: str
    bundled: bool

    @property
    def display_url(self) -> str:
        return display_url(self.url)


@contextmanager
def search_session(url: str | None = None, *, use_env: bool = True) -> Iterator[SearchSession]:
    """Connect to ``url`` (or ``SHOPLENS_SEARCH``); without one, run a bundled osmem-server
    for the duration of the block and stop it afterwards."""
    url = url or (search_url_from_env() if use_env else None)
    if url:
        client = connect_search(url)
        try:
            yield SearchSession(client, url, bundled=False)
        finally:
            client.close()
        return
    with BundledServer() as server:
        client = connect_search(server.url)
        try:
            yield SearchSession(client, server.url, bundled=True)
        finally:
            client.close()
