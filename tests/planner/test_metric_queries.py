"""The fixed metrics as insight queries: the planner answers every one from the rollups
with the raw statement's rows, and ``shoplens.insights.run`` reports the source."""

from __future__ import annotations

from datetime import date

import pytest

from shoplens.engines import Engine
from shoplens.insights.planner.check import rows_of_both
from shoplens.insights.runner import run
from shoplens.metrics.queries import METRIC_QUERY_NAMES, metric_query, units_query

FIRST, LAST = date(2024, 1, 3), date(2024, 2, 27)  # partial weeks and months at both ends


@pytest.mark.parametrize("name", METRIC_QUERY_NAMES)
def test_metric_query_answered_from_rollups(planner_engine: Engine, name: str) -> None:
    first, last = (None, None) if name in ("wau", "mau") else (FIRST, LAST)
    query = metric_query(name, first=first, last=last, grain="week", top_n=3)
    source, planned, raw = rows_of_both(planner_engine, query)
    assert source == "rollups", name
    assert planned == raw and raw, name
    assert run(planner_engine, query).source == "rollups"


def test_top_list_units_and_hostile_values(planner_engine: Engine) -> None:
    """The units of a top list (a filter on the listed values, NULL as "not set"),
    with a value carrying quotes, are read from the rollups as well."""
    query = units_query("top_categories", [None, "O'Brien's \"best\"", "a"], FIRST, LAST)
    source, planned, raw = rows_of_both(planner_engine, query)
    assert source == "rollups" and planned == raw
