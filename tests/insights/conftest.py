"""One tiny shop per engine for the whole module: insight queries never write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shoplens.engines import Engine, connect

from . import shop


def _shop_url(request: pytest.FixtureRequest, tmp: Path, name: str) -> Iterator[str]:
    if request.param == "duckdb":
        yield f"duckdb:{tmp / f'{name}.duckdb'}"
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def shop_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[str]:
    """A database URL holding the tiny shop, ``payment_done`` typed ``purchase``."""
    for url in _shop_url(request, tmp_path_factory.mktemp("shop"), "shop"):
        eng = connect(url)
        try:
            shop.load(eng, typed=True)
        finally:
            eng.close()
        yield url


@pytest.fixture(scope="module")
def shop_engine(shop_url: str) -> Iterator[Engine]:
    eng = connect(shop_url)
    try:
        yield eng
    finally:
        eng.close()
