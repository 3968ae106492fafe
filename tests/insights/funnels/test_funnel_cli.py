"""``shoplens funnel`` end to end on DuckDB and PostgreSQL, and its bad-input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from shoplens.engines import connect

from .shop import load_shop


def _db(db_url: str) -> str:
    with connect(db_url) as engine:
        load_shop(engine)
    return db_url


def test_funnel_json(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = _db(db_url)
    r = cli("funnel", "--step", "home", "--step", "cart:10m", "--step",
            "purchase where event.price > 100", "--json", "--db", db)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [(s["name"], s["count"]) for s in doc["steps"]] == [
        ("home", 4), ("cart", 2), ("purchase", 1)]
    assert doc["steps"][1]["conversion_from_previous"] == 0.5
    assert doc["steps"][2]["conversion_from_start"] == 0.25
    assert doc["steps"][1]["median_seconds_from_previous"] == 120.0
    # breakdown by the user: every user under its own value, totals unchanged
    r = cli("funnel", "--step", "home", "--step", "cart", "--breakdown", "user_id", "--json",
            "--db", db)
    doc = json.loads(r.stdout)
    assert {b["breakdown_value"]: [s["count"] for s in b["steps"]] for b in doc["breakdowns"]} \
        == {"u1": [1, 1], "u2": [1, 1], "u3": [1, 1], "u4": [1, 0]}
    # the table prints names escaped; a strict funnel: product steps sit between
    r = cli("funnel", "--step", "home", "--step", "cart", "--order", "strict", "--db", db)
    assert r.exit_code == 0 and "home" in r.stdout


def test_funnel_views_and_dropoffs(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = _db(db_url)
    r = cli("funnel", "--step", "home", "--step", "cart", "--trend", "day", "--json", "--db", db)
    assert json.loads(r.stdout)["points"] == [
        {"date": "2024-01-01", "entered": 4, "converted": 3, "conversion": 0.75}]
    r = cli("funnel", "--step", "home", "--step", "cart", "--time-to-convert", "--json", "--db", db)
    doc = json.loads(r.stdout)
    assert doc["converted"] == 3 and doc["median_seconds"] == 120.0 and doc["max_seconds"] == 900.0
    out = tmp_path / "dropped.csv"
    r = cli("funnel", "--step", "home", "--step", "cart:10m", "--dropoffs", "2", "--out", out,
            "--db", db)
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out)["user_id"].tolist() == ["u2", "u4"]


def test_funnel_bad_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = _db(f"duckdb:{tmp_path / 'bad.duckdb'}")
    cases = [
        (["--step", "home"], "at least 2"),
        (["--step", "home", "--step", "cart", "--window", "3q"], "not a duration"),
        (["--step", "home", "--step", "crat"], "closest: cart"),
        (["--step", "home", "--step", "cart", "--breakdown", "contry"], "unknown property"),
        (["--step", "home", "--step", "cart:5m", "--order", "any"], "per-step window"),
        (["--step", "home", "--step", "purchase where price >> 3"], "cannot read condition"),
        (["--step", "home", "--step", "cart", "--dropoffs", "1", "--json"], "not a step after"),
    ]
    for args, message in cases:
        r = cli("funnel", *args, "--db", db)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output, (args, r.output)
        assert "Traceback" not in r.output
