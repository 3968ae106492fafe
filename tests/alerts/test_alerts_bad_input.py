"""Bad input: one clear error line, exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from shoplens.engines import Engine


def test_unknown_metric_lists_the_known_ones(cli, db_url: str) -> None:
    r = cli("alerts", "--db", db_url, "--metric", "revenu")
    assert r.exit_code == 2
    assert "unknown metric 'revenu' (did you mean 'revenue'?)" in r.output
    assert "known metrics: revenue, orders, buyers, dau, conversion, events" in r.output


def test_empty_and_too_short_data(cli, engine: Engine) -> None:
    r = cli("alerts", "--db", engine.url)
    assert r.exit_code == 2 and "no events to watch" in r.output
    rows = pd.DataFrame({"event_id": range(5), "user_id": ["u"] * 5, "raw_event": ["view"] * 5,
                         "event_type": ["view"] * 5, "quantity": [1] * 5,
                         "event_time": pd.date_range("2024-01-01", periods=5, freq="D")})
    engine.append_df("events", rows)
    r = cli("alerts", "--db", engine.url)
    assert r.exit_code == 2
    assert "need at least 8 days of events" in r.output and "the data has 5" in r.output


def test_bad_options_and_query_files(cli, tmp_path: Path) -> None:
    db = f"duckdb:{tmp_path / 'x.duckdb'}"
    r = cli("alerts", "--db", db, "--holiday", "2024-13-01")
    assert r.exit_code == 2 and "--holiday" in r.output
    r = cli("alerts", "--db", db, "--sensitivity", "extreme")
    assert r.exit_code == 2 and "low, medium or high" in r.output
    r = cli("alerts", "--db", db, "--breakdown", "colour")
    assert r.exit_code == 2 and "unknown property 'colour'" in r.output
    bad = tmp_path / "q.json"
    bad.write_text(json.dumps({"kind": "trends", "series": []}))
    r = cli("alerts", "--db", db, "--query", str(bad))
    assert r.exit_code == 2 and "q.json" in r.output and "series" in r.output
    funnel = tmp_path / "f.json"
    funnel.write_text(json.dumps({"kind": "funnels", "steps": [{}, {}]}))
    r = cli("alerts", "--db", db, "--query", str(funnel))
    assert r.exit_code == 2 and "trends queries only" in r.output
