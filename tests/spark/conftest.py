"""Spark in local mode over a small lake, beside DuckDB holding the same data.

One SparkContext serves the whole test session (starting a JVM costs seconds); each
test gets its own engine session (temp views are per session) on its own lake folder.
The suite skips, with the reason, only when Java is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from shoplens.engines import Engine, connect

pytestmark = pytest.mark.spark


def _java_missing() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").exists():
        return None
    return None if shutil.which("java") else "Java is not installed (Spark needs Java 17)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _java_missing()
    for item in items:
        if "tests/spark/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.spark)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def spark_url(lake: Path) -> str:
    return f"spark://local[2]?lake={lake}&shuffle_partitions=2"


@pytest.fixture(scope="session")
def spark_context() -> Iterator[None]:
    """Start Spark once for the session; stop it at the end."""
    from shoplens.engines.spark import SparkOptions, spark_session, stop_spark

    spark_session(SparkOptions(master="local[2]", shuffle_partitions=2))
    yield
    stop_spark()


@pytest.fixture
def spark_engine(spark_context: None, tmp_path: Path) -> Iterator[Engine]:
    """A Spark engine on a fresh, empty lake with the ShopLens schema."""
    eng = connect(spark_url(tmp_path / "lake"))
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture(scope="session")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated shop (platform-csv layout)."""
    from shoplens.generate import GenerateParams, generate

    out = tmp_path_factory.mktemp("shop")
    generate(GenerateParams(users=120, months=3, seed=7), out)
    return out


@pytest.fixture(scope="session")
def duck_shop(shop_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """DuckDB with the generated shop loaded by the importer."""
    from shoplens.ingest import load

    path = tmp_path_factory.mktemp("duck") / "shop.duckdb"
    eng = connect(f"duckdb:{path}")
    load(eng, [shop_dir])
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture(scope="session")
def spark_shop(spark_context: None, duck_shop: Engine,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Spark over a lake exported from ``duck_shop`` (the same rows)."""
    from shoplens.lake.export import ExportParams, export_lake

    lake = tmp_path_factory.mktemp("shoplake") / "lake"
    export_lake(duck_shop, ExportParams(lake=lake))
    eng = connect(spark_url(lake))
    try:
        yield eng
    finally:
        eng.close()
