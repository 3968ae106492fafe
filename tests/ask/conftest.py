"""A generated shop covering 2024, loaded once per test session (DuckDB), and a smaller
one per engine for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shoplens.engines import Engine, connect
from shoplens.generate import GenerateParams, generate
from shoplens.ingest import load


@pytest.fixture(scope="session")
def shop_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("askshop")
    generate(GenerateParams(users=2_000, months=12, seed=5), out)
    return out


@pytest.fixture(scope="session")
def shop_engine(shop_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    db = tmp_path_factory.mktemp("askdb") / "shop.duckdb"
    engine = connect(f"duckdb:{db}")
    load(engine, [shop_files])
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def small_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("asksmall")
    generate(GenerateParams(users=300, months=12, seed=9), out)
    return out


@pytest.fixture
def small_db(db_url: str, small_shop: Path) -> str:
    """The small shop loaded into a fresh database on each engine."""
    engine = connect(db_url)
    try:
        load(engine, [small_shop])
    finally:
        engine.close()
    return db_url
