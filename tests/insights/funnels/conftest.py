"""One database per engine holding every case's events (users prefixed by case)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from shoplens.engines import Engine, connect
from shoplens.search.testing import search_client, search_server, search_url  # noqa: F401

from .cases import BREAKDOWN_CASES, CASES

T0 = datetime(2024, 1, 1)


def frame(events: list[tuple], prefix: str = "", first_id: int = 1) -> pd.DataFrame:
    rows = []
    for i, ev in enumerate(events):
        user, name, minute = ev[:3]
        extra: dict[str, Any] = ev[3] if len(ev) > 3 else {}
        rows.append({
            "event_id": first_id + i, "user_id": prefix + user,
            "session_id": extra.get("session"), "raw_event": name,
            "event_time": T0 + timedelta(minutes=minute), "price": extra.get("price"),
            "quantity": 1, "properties": json.dumps(extra["props"]) if "props" in extra else None,
        })
    df = pd.DataFrame(rows)
    df["price"] = df["price"].astype("float64")
    return df


def load(engine: Engine, cases: list[dict[str, Any]]) -> None:
    first = 1
    for c in cases:
        df = frame(c["events"], f"{c['name']}:", first)
        first += len(df)
        engine.append_df("events", df)


@pytest.fixture(scope="module", params=("duckdb", "postgres"))
def cases_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 ) -> Iterator[Engine]:
    """Every case loaded once per engine for the module."""
    if request.param == "duckdb":
        url = f"duckdb:{Path(tmp_path_factory.mktemp('funnels')) / 'cases.duckdb'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    engine = connect(url)
    load(engine, CASES + BREAKDOWN_CASES)
    try:
        yield engine
    finally:
        engine.close()
