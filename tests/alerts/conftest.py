"""A small generated shop with labelled anomalies, written once per session and loaded
into each engine's fresh database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoplens.engines import Engine
from shoplens.generate import GenerateParams, generate
from shoplens.ingest import load

PARAMS = GenerateParams(users=8000, months=4, seed=11, anomalies=4)


@pytest.fixture(scope="session")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("alerts_shop")
    generate(PARAMS, out)
    return out


@pytest.fixture(scope="session")
def labels(shop_dir: Path) -> dict[str, dict]:
    return {lab["kind"]: lab for lab in json.loads((shop_dir / "anomalies.json").read_text())}


@pytest.fixture
def shop(engine: Engine, shop_dir: Path) -> Engine:
    load(engine, [shop_dir])
    return engine
