"""The customer value page: what the last ``shoplens clv`` wrote to ``customer_value``
(read-only: the explorer never fits a model), its totals, the distribution of CLV and
P(alive) and the most valuable customers."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.explorer.pages import Page
from shoplens.explorer.pages.panel import panel_page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from shoplens.explorer.context import Explorer

TITLE = "Customer value"
DESCRIPTION = ("Predicted value per customer (BG/NBD and Gamma-Gamma of `shoplens clv`): "
               "totals, distributions, the most valuable customers.")
TOP = 50

_SUMMARY = ("SELECT count(*), sum(clv), avg(p_alive), sum(CASE WHEN churn_risk THEN 1 ELSE 0 END),"
            " sum(expected_purchases), max(model), max(as_of), max(horizon_days), max(run_id)"
            " FROM customer_value")
_TOP = ("SELECT user_id, frequency, monetary_value, expected_purchases, p_alive, clv, churn_risk "
        "FROM customer_value ORDER BY clv DESC, user_id LIMIT :n")
_VALUES = "SELECT clv, p_alive FROM customer_value"


def _histogram(values: np.ndarray, title: str, bins: int = 30) -> dict[str, Any]:
    values = values[np.isfinite(values)]
    counts, edges = np.histogram(values, bins=bins) if len(values) else ([], [0.0])
    mids = [round(float((a + b) / 2), 4) for a, b in itertools.pairwise(edges)]
    return {"data": [{"type": "bar", "x": mids, "y": [int(c) for c in counts],
                      "marker": {"color": "#2c7be5"}, "name": title}],
            "layout": {"template": "plotly_white", "height": 300, "bargap": 0.05,
                       "xaxis": {"title": title}, "yaxis": {"title": "customers"},
                       "margin": {"l": 60, "r": 10, "t": 10, "b": 50}}}


def compute(explorer: Explorer) -> dict[str, Any]:
    with explorer.source.engine() as engine:
        if not engine.table_exists("customer_value"):
            return {"missing": True}
        n, total, alive, risk, purchases, model, as_of, horizon, run = engine.fetch_all(
            _SUMMARY)[0]
        top = engine.fetch_df(_TOP, {"n": TOP})
        values = engine.fetch_df(_VALUES)
    if not n:
        return {"missing": True}
    kpis = [("Customers valued", f"{int(n):,}"), ("Total CLV", f"{float(total):,.2f}"),
            ("Mean CLV", f"{float(total) / int(n):,.2f}"), ("Mean P(alive)", f"{float(alive):.1%}"),
            ("At churn risk", f"{int(risk):,} ({int(risk) / int(n):.1%})"),
            ("Expected purchases", f"{float(purchases):,.1f}")]
    return {"missing": False, "kpis": kpis, "model": model, "as_of": str(as_of),
            "horizon": horizon, "run_id": run,
            "figures": [("CLV per customer", _histogram(values["clv"].to_numpy(float), "CLV")),
                        ("P(alive) per customer",
                         _histogram(values["p_alive"].to_numpy(float), "P(alive)", 20))],
            "top": top}


def handle(explorer: Explorer, request: Request) -> Response:
    return panel_page(explorer, request, key="value", title=TITLE, description=DESCRIPTION,
                      template="value.html.j2", compute=compute, cached=False)


PAGE = Page(key="value", title=TITLE, handler=handle, description=DESCRIPTION)
