"""Every literal case through every order mode, on DuckDB and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.insights.funnels import run_funnel
from shoplens.insights.schema import FunnelsQuery

from .cases import BREAKDOWN_CASES, CASES

ORDERS = ("ordered", "strict", "any")


def query(c: dict[str, Any], order: str) -> FunnelsQuery:
    users = sorted({f"{c['name']}:{e[0]}" for e in c["events"]})
    doc = {**c["query"], "order": order,
           "filters": [{"property": "event.user_id", "operator": "in", "value": users}]}
    return FunnelsQuery.model_validate(doc)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("c", CASES, ids=[c["name"] for c in CASES])
def test_case(cases_engine: Engine, c: dict[str, Any], order: str) -> None:
    expected = c["expected"][order]
    if expected is None:
        with pytest.raises(ConfigError):
            run_funnel(cases_engine, query(c, order))
        return
    result = run_funnel(cases_engine, query(c, order))
    assert [s["count"] for s in result.payload["steps"]] == expected


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("c", BREAKDOWN_CASES, ids=[c["name"] for c in BREAKDOWN_CASES])
def test_attribution(cases_engine: Engine, c: dict[str, Any], order: str) -> None:
    expected = c["expected"].get(order)
    if expected is None:
        pytest.skip("attribution is the anchor's value in any order (see the first_touch case)")
    result = run_funnel(cases_engine, query(c, order))
    got = {b["breakdown_value"]: [s["count"] for s in b["steps"]]
           for b in result.payload["breakdowns"]}
    assert got == expected
    # totals are the sum over breakdown values: each actor counts under one value
    totals = [sum(v[s] for v in expected.values()) for s in range(3)]
    assert [s["count"] for s in result.payload["steps"]] == totals
