"""Generate a shop, load it through the importer (whose post-load hook maintains the
rollups), and compute the metrics: both forms equal; two loads equal one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from shoplens.engines import Engine, connect
from shoplens.metrics import MetricsParams, compute_metrics, rollups

generate_mod = pytest.importorskip("shoplens.generate")
ingest = pytest.importorskip("shoplens.ingest")


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shoplens.generate.params import GenerateParams

    out = tmp_path_factory.mktemp("shop")
    generate_mod.generate(GenerateParams(events=12_000, months=2, seed=11), out)
    return out


def metrics(engine: Engine, form: str = "optimized") -> dict:
    return compute_metrics(engine, MetricsParams(form=form, grain="week")).model_dump(
        exclude={"form"})


def rollup_rows(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    for table in rollups.ROLLUP_TABLES:
        order = ", ".join(f"{c} NULLS FIRST" for c in engine.columns(table))
        out[table] = engine.fetch_all(f"SELECT * FROM {table} ORDER BY {order}")
    return out


def test_generated_and_loaded(db_url: str, shop_dir: Path) -> None:
    with connect(db_url) as engine:
        ingest.load(engine, [shop_dir])
        covered = engine.scalar("SELECT events_covered FROM rollup_state")
        assert covered == engine.scalar("SELECT COUNT(*) FROM events") > 8_000
        optimized = metrics(engine)
        assert optimized == metrics(engine, "naive")
        assert len(optimized["wau"]) >= 8
        assert optimized["funnel"][0]["purchased"] > 0
        assert optimized["aov"]["gross"] > 0  # priced from the catalogue: no event prices


def test_two_loads_equal_one(db_url: str, shop_dir: Path, tmp_path: Path,
                             request: pytest.FixtureRequest) -> None:
    events = pd.read_csv(shop_dir / "events.csv", dtype=str)
    cut = sorted(events["timestamp"])[len(events) * 2 // 3]
    parts = []
    for name, rows in (("a", events[events["timestamp"] < cut]),
                       ("b", events[events["timestamp"] >= cut])):
        folder = tmp_path / name
        folder.mkdir()
        for f in ("users.csv", "products.csv"):
            shutil.copy(shop_dir / f, folder / f)
        rows.to_csv(folder / "events.csv", index=False)
        parts.append(folder)
    with connect(db_url) as engine:
        ingest.load(engine, [shop_dir])
        one_step, one_rollups = metrics(engine), rollup_rows(engine)
    if db_url.startswith("duckdb"):
        fresh = f"duckdb:{tmp_path / 'two.duckdb'}"
    else:
        fresh = request.getfixturevalue("pg_server").create_database()
    with connect(fresh) as engine:
        ingest.load(engine, [parts[0]])
        ingest.load(engine, [parts[1]])
        assert rollup_rows(engine) == one_rollups
        assert metrics(engine) == one_step
