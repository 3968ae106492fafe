"""``shoplens clv`` and ``sl.clv()`` end to end on the CDNOW sample, on DuckDB and
PostgreSQL: published estimates on the calibration period, the holdout check, the
customer_value table, plots, groups by segment."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import shoplens as sl
from shoplens.engines import Engine, connect
from tests.clv.data import load_cdnow, purchase_events

CAL = ["--calibration-end", "1997-09-30", "--horizon", "39w", "--time-unit", "week"]


@pytest.fixture
def cdnow_url(db_url: str) -> str:
    with connect(db_url) as engine:
        load_cdnow(engine)
    return db_url


def test_cli_json_table_and_plots(cli, cdnow_url: str, tmp_path: Path) -> None:
    res = cli("clv", "--db", cdnow_url, *CAL, "--json", "--plot", tmp_path, "--customers", "5")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    # the calibration fit is Fader, Hardie & Lee's (2005) BG/NBD on the same 39 weeks
    cal = {p["name"]: p["value"] for p in doc["validation"]["calibration_params"]}
    for name, value in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert cal[name] == pytest.approx(value, abs=0.0005), name
    units = {p["name"]: p["unit"] for p in doc["params"]}
    assert units["alpha"] == "weeks"
    v = doc["validation"]
    assert v["holdout_days"] == 273 and v["metrics"]["customers"] == 2357
    assert v["metrics"]["mae"] < v["metrics"]["naive_mae"]  # the model beats the naive rate
    assert len(v["per_customer"]) == 5
    assert set(v["per_customer"][0]) == {"customer_id", "frequency", "actual", "predicted", "naive"}
    assert [b["frequency"] for b in v["buckets"]] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(b["customers"] for b in v["buckets"]) == 2357
    curve = v["curve"]
    assert curve[0]["day"] == "1997-01-01" and curve[-1]["day"] == "1998-06-30"
    # repeat purchase days of the cohort over the 78 weeks, predicted within 10 %
    assert curve[-1]["predicted"] == pytest.approx(curve[-1]["actual"], rel=0.10)
    assert doc["as_of"] == "1998-06-30" and doc["totals"]["customers"] == 2357
    assert len(doc["customers"]) == 5 and doc["customer_value_rows"] == 2357
    assert all(0 <= c["p_alive"] <= 1 and c["clv"] >= 0 for c in doc["customers"])
    risk = doc["at_risk"]
    assert risk and all(r["churn_risk"] and r["p_alive"] < 0.5 for r in risk)
    assert [r["calibration_value"] for r in risk] == sorted(
        (r["calibration_value"] for r in risk), reverse=True)
    matrix = doc["p_alive_matrix"]
    assert matrix["values"][0][0] == 1.0 and matrix["values"][0][1] is None
    for name in ("holdout", "p_alive"):
        assert Path(doc["plots"][name]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with connect(cdnow_url) as engine:
        table = engine.fetch_df("SELECT * FROM customer_value")
        assert len(table) == 2357 and table["user_id"].is_unique
        assert set(table["run_id"]) == {doc["run_id"]}
        top = doc["customers"][0]
        row = table.set_index("user_id").loc[top["user_id"]]
        assert row["clv"] == pytest.approx(top["clv"]) and row["p_alive"] == pytest.approx(top["p_alive"])


def test_python_api_matches_and_groups_by_segment(engine: Engine) -> None:
    load_cdnow(engine)
    from shoplens.clv.writeback import write_table
    from shoplens.segments.store import ensure_tables

    ensure_tables(engine)
    ids = [str(i) for i in range(1, 2358)]
    engine.append_df("user_segments", pd.DataFrame({
        "user_id": ids, "segment": ["o'neil" if int(i) % 2 else "b" for i in ids], "cluster": 0,
        "method": "kmeans", "rfm_segment": ["champions" if int(i) < 100 else "hibernating" for i in ids],
        "traits": "[]", "run_id": "r1", "updated_at": pd.Timestamp("2024-01-01")}))
    # a horizon longer than half the data: no holdout check (one fit), and a note says so
    result = sl.clv(engine, horizon="300d", write=True)
    assert result.validation is None and "holdout check skipped" in result.notes[0]
    assert result.params.time_unit == "week" and result.as_of == date(1998, 6, 30)
    assert list(result.customers.columns)[:4] == ["user_id", "frequency", "recency", "T"]
    assert set(result.by_segment["segment"]) == {"o'neil", "b"}
    assert result.by_segment["customers"].sum() == 2357
    assert result.by_rfm.set_index("rfm_segment").loc["champions", "customers"] == 99
    assert result.by_segment["clv"].sum() == pytest.approx(result.customers["clv"].sum())
    assert engine.scalar("SELECT COUNT(*) FROM customer_value") == 2357
    write_table(engine, result)  # a re-run replaces the rows, never duplicates them
    assert engine.scalar("SELECT COUNT(DISTINCT user_id) FROM customer_value") == 2357
    assert engine.scalar("SELECT COUNT(*) FROM customer_value") == 2357
    # the sklearn-style model is there too
    model = result.model
    assert model.fit(model.summary_) is model and list(model.params_["name"])[:2] == ["r", "alpha"]


def test_cli_text_output_escapes_ids(cli, tmp_path: Path) -> None:
    url = f"duckdb:{tmp_path / 'shop.duckdb'}"
    with connect(url) as engine:
        load_cdnow(engine)
        engine.append_df("events", purchase_events(
            [("[bold]x", "1997-01-02 10:00", 5000.0), ("[bold]x", "1997-01-03 10:00", 5000.0)],
            start_id=10_000))
    res = cli("clv", "--db", url, "--horizon", "300d", "--no-write", "--top", "3")
    assert res.exit_code == 0, res.output
    assert "Fitted parameters" in res.stdout and "Valuable customers at risk" in res.stdout
    assert "[bold]x" in res.stdout  # printed as data, not read as markup
    assert "holdout check skipped" in res.stdout
    with connect(url) as engine:
        assert not engine.table_exists("customer_value")
