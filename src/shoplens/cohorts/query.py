"""Running the retention query on an engine: one SQL statement, one row per cell."""

from __future__ import annotations

from typing import Any

import pandas as pd

from shoplens.cohorts.params import CohortParams
from shoplens.cohorts.rollup import ensure_fresh
from shoplens.engines import Engine
from shoplens.engines.sql import Query, load_sql

QUERY: Query = load_sql("shoplens.cohorts", "retention.sql")

CELL_COLUMNS = (
    "cohort", "size", "offset", "observable", "numerator", "denominator", "value",
    "from_signup_date", "from_first_seen", "from_first_event", "obs_start", "obs_end",
)


def bind(params: CohortParams) -> dict[str, Any]:
    """The values bound to the query's ``:placeholders``."""
    return {
        "cohort_by": params.cohort_by,
        "period": params.period,
        "offset_unit": params.offset_unit,
        "periods": params.periods,
        "measure": params.measure,
        "kind": params.kind,
        "activity": params.active_on,
        "observed_from": params.observed_from,
        "observed_until": params.observed_until,
    }


def fetch_cells(engine: Engine, params: CohortParams) -> pd.DataFrame:
    """The long form of the matrix as the engine computed it, ordered by cohort, offset.

    Brings the cohort rollup up to date first (a no-op when it already is)."""
    ensure_fresh(engine)
    df = engine.fetch_df(QUERY, bind(params))
    if df.empty:
        return pd.DataFrame(columns=list(CELL_COLUMNS))
    return df
