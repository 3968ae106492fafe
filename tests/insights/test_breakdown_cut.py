"""A breakdown with thousands of values is cut to the top N plus "(other)" and says so,
in the JSON document and in the terminal, for trends, retention and stickiness, on
DuckDB and PostgreSQL.

The shop: 2,000 users, each viewing once on 2026-03-02 (a Monday) with their own
``utm_source`` (``src0000`` .. ``src1999``); users 0-2 come back on 03-09 and 03-10.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from shoplens.engines import connect

N = 2_000
DAY = dt.datetime(2026, 3, 2, 12)


def _events() -> pd.DataFrame:
    rows = [(i, f"u{i:04d}", f"s{i:04d}", "view", "view", DAY + dt.timedelta(seconds=i),
             json.dumps({"utm_source": f"src{i:04d}"})) for i in range(N)]
    rows += [(N + 2 * i + k, f"u{i:04d}", f"t{i}{k}", "view", "view",
              DAY + dt.timedelta(days=7 + k), json.dumps({"utm_source": f"src{i:04d}"}))
             for i in range(3) for k in range(2)]
    df = pd.DataFrame(rows, columns=["event_id", "user_id", "session_id", "raw_event",
                                     "event_type", "event_time", "properties"])
    df["quantity"] = 1
    return df


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def wide_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[str]:
    if request.param == "duckdb":
        url = f"duckdb:{tmp_path_factory.mktemp('wide') / 'wide.duckdb'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    eng = connect(url)
    try:
        eng.append_df("events", _events())
    finally:
        eng.close()
    yield url


ARGS = {
    "trends": ("trends", "--breakdown", "utm_source", "--interval", "week"),
    "retention": ("retention", "--breakdown", "utm_source", "--intervals", "2"),
    "stickiness": ("stickiness", "--breakdown", "utm_source", "--interval", "week"),
}


def _values(kind: str, doc: dict[str, Any]) -> set[Any]:
    items = doc["cohorts"] if kind == "retention" else doc["series"]
    return {item["breakdown_value"] for item in items}


@pytest.mark.parametrize("kind", sorted(ARGS))
def test_thousands_of_values_are_cut_and_the_result_says_so(cli: Any, wide_url: str,
                                                             kind: str) -> None:
    r = cli(*ARGS[kind], "--limit", "5", "--json", "--db", wide_url)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    values = _values(kind, doc)
    # the top 5 (returning users rank first; ties by name), the rest in one group
    assert len(values) == 6 and "(other)" in values
    assert {"src0000", "src0001", "src0002"} <= values
    assert any("utm_source" in n and "top 5" in n and "(other)" in n for n in doc["notes"])
    r = cli(*ARGS[kind], "--limit", "5", "--db", wide_url, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "note:" in r.stdout and "the top 5 are shown" in r.stdout


def test_retention_other_group_adds_up(wide_url: str) -> None:
    import shoplens as sl

    doc = sl.retention(wide_url, breakdown="utm_source", breakdown_limit=5,
                       total_intervals=2).to_dict()
    sizes = {c["breakdown_value"]: c["size"] for c in doc["cohorts"]}
    assert sum(sizes.values()) == N and sizes["(other)"] == N - 5
    assert doc["notes"] == ["breakdowns[0] event.utm_source: 2,000 values; the top 5 are "
                            "shown, the rest grouped as '(other)'"]
