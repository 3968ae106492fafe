"""Segments tests: a real osmem-server on loopback and one tiny shop with known personas."""

from __future__ import annotations

import pytest

from shoplens.search.testing import search_client, search_server, search_url  # noqa: F401

from .synth import make_shop


@pytest.fixture(scope="session")
def shop() -> dict:
    return make_shop(n_per_persona=30, seed=3)
