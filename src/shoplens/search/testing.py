"""pytest fixtures for a real search engine: an osmem-server on loopback for the session.

Import them in a ``conftest.py``::

    from shoplens.search.testing import search_client, search_server, search_url  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from shoplens.search.client import connect_search
from shoplens.search.server import BundledServer


@pytest.fixture(scope="session")
def search_server() -> Iterator[BundledServer]:
    server = BundledServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def search_url(search_server: BundledServer) -> Iterator[str]:
    """URL of the session's server, with every index deleted before the test."""
    client = connect_search(search_server.url)
    for name in client.indices.get(index="*"):
        client.indices.delete(index=name)
    client.close()
    yield search_server.url


@pytest.fixture
def search_client(search_url: str) -> Iterator[OpenSearch]:
    client = connect_search(search_url)
    try:
        yield client
    finally:
        client.close()
