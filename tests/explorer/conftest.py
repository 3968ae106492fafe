"""A small generated shop loaded once per session into DuckDB and PostgreSQL, and an
explorer application (Starlette's test client) over either."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from shoplens.engines import connect
from shoplens.explorer import ExplorerSettings, create_app
from shoplens.generate import GenerateParams, generate
from shoplens.ingest.loader import load

#: a password the PostgreSQL test server (trust auth) ignores; no page may show it
SECRET = "s3cret-Pa55word"


@pytest.fixture(scope="session")
def shop_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explorer-shop") / "shop"
    generate(GenerateParams(users=150, months=2, seed=11, start=date(2024, 1, 1)), out)
    return out


def _load(url: str, files: Path, quarantine: Path) -> str:
    with connect(url) as engine:
        load(engine, files, quarantine_dir=quarantine)
    return url


@pytest.fixture(scope="session")
def shop_duckdb(shop_files: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("explorer-duckdb")
    return _load(f"duckdb:{folder / 'shop.duckdb'}", shop_files, folder)


@pytest.fixture(scope="session")
def shop_postgres(shop_files: Path, pg_server: object,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = pg_server.create_database("explorer")  # type: ignore[attr-defined]
    with_secret = url.replace("postgres@", f"postgres:{SECRET}@")
    yield _load(with_secret, shop_files, tmp_path_factory.mktemp("explorer-pg"))
    pg_server.drop_database(url)  # type: ignore[attr-defined]


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def shop_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"shop_{request.param}")


def client_for(url: str, store: Path, **settings: object) -> TestClient:
    app = create_app(ExplorerSettings(db_url=url, store=store, **settings))  # type: ignore[arg-type]
    return TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture(scope="session")
def client(shop_url: str, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return client_for(shop_url, tmp_path_factory.mktemp("store") / "explorer.json")
