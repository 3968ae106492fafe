"""The fixed metrics as insight queries: the planner answers every one from the rollups
with the raw statement's rows, and ``shoplens.insights.run`` reports the source."""

from __future__ import annotations

from datetime import date

import pytest

from shoplens.engines import Engine
from shoplens.insights.planner.check import both_forms, canonical, rows_of_both
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


WHOLE = {"day": (date(2024, 1, 3), date(2024, 2, 27)), "week": (date(2024, 1, 1), date(2024, 2, 25)),
         "month": (date(2024, 1, 1), date(2024, 2, 29))}


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_rollup_rows_are_the_answer(planner_engine: Engine, grain: str) -> None:
    """Revenue per category over whole periods of a grain the rollup keeps: its rows
    are read as the answer's rows (no aggregation), with the raw statement's rows."""
    first, last = WHOLE[grain]
    query = metric_query("revenue_by_category", first=first, last=last, grain=grain)
    raw, planned = both_forms(planner_engine, query)
    assert planned is not None and "GROUP BY" not in planned.sql().upper()
    rows = canonical(planned.fetch_df(planner_engine))
    assert rows == canonical(raw.fetch_df(planner_engine)) and len(rows) > 20


@pytest.mark.parametrize("name", ["top_products", "top_categories", "top_brands"])
@pytest.mark.parametrize("top_n", [1, 4, 12])
def test_top_n_without_ranking_windows(planner_engine: Engine, name: str, top_n: int) -> None:
    """A whole-range top N is a GROUP BY with ORDER BY/LIMIT and the "other" row as the
    total minus the top N's (brands include the products without one: NULL)."""
    query = metric_query(name, first=FIRST, last=LAST, top_n=top_n)
    raw, planned = both_forms(planner_engine, query)
    assert planned is not None and "DENSE_RANK" not in planned.sql().upper()
    rows = canonical(planned.fetch_df(planner_engine))
    assert rows == canonical(raw.fetch_df(planner_engine))
    others = [r for r in rows if r[3] == 1]
    assert len(rows) - len(others) == min(top_n, len(rows) - len(others))
    if name != "top_categories" or top_n < 12:
        assert len(others) == 1 and len(rows) == top_n + 1
