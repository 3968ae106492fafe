"""Shared fixtures: a throwaway PostgreSQL server, an engine per backend, the CLI.

Every engine-facing test takes the ``engine`` (or ``db_url``) fixture and so runs on
DuckDB and on a real PostgreSQL server started for the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoplens.engines import Engine, connect
from shoplens.errors import ShopLensError
from shoplens.testing.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REES46_SAMPLE = FIXTURES / "rees46_sample.csv"
ENGINES = ("duckdb", "postgres")


@pytest.fixture(autouse=True)
def _quarantine_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quarantine CSVs of PostgreSQL loads go to the test's folder, not the checkout."""
    monkeypatch.setenv("SHOPLENS_QUARANTINE_DIR", str(tmp_path / "quarantine"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each engine."""
    if request.param == "duckdb":
        yield f"duckdb:{tmp_path / 'test.duckdb'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A connected engine with the ShopLens schema, on each backend."""
    eng = connect(db_url)
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture
def rees46_sample() -> Path:
    """The first 1,000 rows of the public REES46 event log (tests/fixtures/README.md)."""
    return REES46_SAMPLE


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def cli() -> object:
    """Run ``shoplens ARGS`` in-process; ShopLens errors become exit code 2 with the
    message on stderr, exactly as the installed command reports them."""
    from shoplens.cli.app import app

    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        runner = CliRunner()
        result = runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=True)
        stderr = result.stderr if result.stderr_bytes is not None else ""
        if isinstance(result.exception, ShopLensError):
            return CliResult(2, result.stdout, stderr + f"error: {result.exception}\n")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, stderr)

    return run
