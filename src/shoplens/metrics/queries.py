"""The fixed metrics as documents of the insight query model.

Each metric that the query model can express is one :class:`TrendsQuery`, answered by
the planner from the same rollups (``shoplens query`` runs them as any other query);
``tests/planner/test_metric_queries.py`` checks that each gives the metric's numbers.
Rolling 7/28-day actives, stickiness as DAU/MAU, the order value (an order is a
user's purchases in one session and day) and the funnels have no trends equivalent
and stay in :mod:`shoplens.metrics` only.
"""

from __future__ import annotations

from typing import Any

from shoplens.insights.schema import TrendsQuery

#: net revenue: ``event.revenue`` is the signed line value of purchases and refunds
_MONEY: dict[str, Any] = {
    "math": "sum", "math_property": "event.revenue",
    "filters": [{"property": "event.event_type", "operator": "in",
                 "value": ["purchase", "refund"]}]}


def metric_query(name: str, *, grain: str = "day", date_from: str | None = None,
                 date_to: str | None = None) -> TrendsQuery:
    """The trends document of metric ``name`` (``dau``, ``wau``, ``mau``,
    ``revenue_by_category``, ``top_categories``, ``top_brands``)."""
    dr = {"date_from": date_from, "date_to": date_to}
    docs: dict[str, dict[str, Any]] = {
        "dau": {"series": [{"math": "unique_users"}], "interval": "day"},
        "wau": {"series": [{"math": "unique_users"}], "interval": "week"},
        "mau": {"series": [{"math": "unique_users"}], "interval": "month"},
        "revenue_by_category": {"series": [_MONEY], "interval": grain,
                                "breakdowns": [{"property": "product.category",
                                                "limit": 1000}]},
        # a breakdown's top N ranks values by number of events, the metric by revenue:
        # every value is kept and the caller ranks the series by their totals
        "top_categories": {"series": [_MONEY], "interval": "month",
                           "breakdowns": [{"property": "product.category", "limit": 1000}]},
        "top_brands": {"series": [_MONEY], "interval": "month",
                       "breakdowns": [{"property": "product.brand", "limit": 1000}]},
    }
    if name not in docs:
        raise KeyError(f"metric {name!r} has no trends query; known: {', '.join(docs)}")
    return TrendsQuery.model_validate({**docs[name], "date_range": dr})


METRIC_QUERY_NAMES: tuple[str, ...] = ("dau", "wau", "mau", "revenue_by_category",
                                       "top_categories", "top_brands")
