"""A generated shop (shoplens.generate) loads completely, as CSV and as Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from shoplens.engines import Engine
from shoplens.generate import GenerateParams, generate
from shoplens.ingest import load

from .helpers import counts, snapshot


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("gen")
    params = GenerateParams(users=150, months=2, seed=7, products=200)
    generate(params, base / "csv")
    generate(params.model_copy(update={"parquet": True}), base / "parquet")
    return base / "csv", base / "parquet"


def test_generated_shop_loads_completely(engine: Engine, shop: tuple[Path, Path]) -> None:
    csv_dir, pq_dir = shop
    events = pd.read_csv(csv_dir / "events.csv", dtype=str)
    users = pd.read_csv(csv_dir / "users.csv", dtype=str)
    products = pd.read_csv(csv_dir / "products.csv", dtype=str)
    searches = sum(1 for line in (csv_dir / "search_logs.jsonl").open() if line.strip())
    report = load(engine, [csv_dir])
    assert report.rows_quarantined == 0 and report.events_before_signup == 0
    got = counts(engine)
    assert got["events"] == len(events) - int(events.duplicated().sum())
    assert got["users"] == users["user_id"].nunique()
    assert got["products"] == len(products)
    assert got["sessions"] == events["session_id"].nunique()
    assert got["search_logs"] <= searches
    spellings = set(events["event_type"])
    assert spellings <= {"viewed", "add-to-cart", "remove-from-cart", "purchased"}
    assert engine.scalar("SELECT count(*) FROM events WHERE event_type IS NULL") == 0
    before = snapshot(engine)
    again = load(engine, [pq_dir], format="parquet")
    assert [f.rows_already_present for f in again.files if f.layout in (
        "platform-events", "platform-search")] == [got["events"], got["search_logs"]]
    assert snapshot(engine) == before
