"""The funnel and paths SQL on Spark: the literal cases agree with DuckDB's expectations."""

from __future__ import annotations

from typing import Any

import pytest
from insights.funnels.cases import CASES
from insights.funnels.conftest import load

from shoplens.engines import Engine
from shoplens.insights.funnels import run_funnel
from shoplens.insights.paths import run_paths
from shoplens.insights.schema import FunnelsQuery, PathsQuery

#: Spark is slow: one ordered case with per-step windows, one strict with sessions
SPARK_CASES = {"step_window": "ordered", "sessions": "strict"}


@pytest.fixture
def spark_cases(spark_engine: Engine) -> Engine:
    load(spark_engine, CASES)
    return spark_engine


def test_funnel_cases_on_spark(spark_cases: Engine) -> None:
    for c in CASES:
        if c["name"] not in SPARK_CASES:
            continue
        users = sorted({f"{c['name']}:{e[0]}" for e in c["events"]})
        order = SPARK_CASES[c["name"]]
        doc: dict[str, Any] = {**c["query"], "order": order, "filters": [
            {"property": "event.user_id", "operator": "in", "value": users}]}
        got = run_funnel(spark_cases, FunnelsQuery.model_validate(doc))
        assert [s["count"] for s in got.payload["steps"]] == c["expected"][order], c["name"]
    paths = run_paths(spark_cases, PathsQuery(steps=3, start="A"))
    assert paths.payload["actors"] > 0
