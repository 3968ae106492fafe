"""The fixed metrics as documents of the insight query model, and their two forms.

Every metric of ``shoplens metrics`` is one or two :class:`TrendsQuery` documents
(:func:`metric_query`); ``shoplens query`` runs them as any other query. A metric's
two forms are the same document answered two ways (:func:`rows`):

- ``naive``: the raw statement the compiler writes for it (the planner off), read from
  the events;
- ``optimized``: what the planner answers (:func:`shoplens.insights.planner.plan_trends`),
  read from the rollups at the grain the question needs.

Both must give identical rows; ``tests/metrics`` proves it on generated data.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from shoplens.engines import Engine
from shoplens.errors import UnsupportedOperationError
from shoplens.insights.schema import TrendsQuery
from shoplens.metrics.params import Form

#: purchases and refunds: ``event.revenue`` is their signed line value
SALES = {"property": "event.event_type", "operator": "in", "value": ["purchase", "refund"]}
PURCHASES = {"property": "event.event_type", "operator": "eq", "value": "purchase"}
REFUNDS = {"property": "event.event_type", "operator": "eq", "value": "refund"}
NET_REVENUE = {"math": "sum", "math_property": "event.revenue", "filters": [SALES]}
UNITS = {"math": "sum", "math_property": "event.quantity", "filters": [PURCHASES]}

#: the breakdown property of each top list
TOP_PROPERTIES = {"top_products": "event.product_id", "top_categories": "product.category",
                  "top_brands": "product.brand"}
METRIC_QUERY_NAMES: tuple[str, ...] = (
    "dau", "wau", "mau", "rolling_active", "revenue_by_category", "aov", "top_products",
    "top_categories", "top_brands")


def _range(first: date, last: date) -> dict[str, str]:
    return {"date_from": first.isoformat(), "date_to": last.isoformat()}


def metric_query(name: str, *, first: date | None = None, last: date | None = None,
                 grain: str = "day", top_n: int = 10) -> TrendsQuery:
    """The trends document of metric ``name`` over the days ``[first, last]`` (None:
    the data's first / last day).

    ``dau``/``wau``/``mau``: distinct users per interval. ``rolling_active``: distinct
    users over the 7 and the 28 days ending on each day (``rolling_days``).
    ``revenue_by_category``: net revenue, units bought and units refunded per ``grain``
    period and category. ``aov``: orders (distinct sessions with a purchase), gross
    and refunded value per day. ``top_*``: net revenue over the range per product,
    category or brand, the ``top_n`` largest (``rank_by="value"``); the units of a top
    list are :func:`units_query`.
    """
    dr = {"date_from": first.isoformat() if first else None,
          "date_to": last.isoformat() if last else None}
    users = {"math": "unique_users"}
    docs: dict[str, dict[str, Any]] = {
        "dau": {"series": [users], "interval": "day"},
        "wau": {"series": [users], "interval": "week"},
        "mau": {"series": [users], "interval": "month"},
        "rolling_active": {"series": [{**users, "rolling_days": 7, "name": "active_7d"},
                                      {**users, "rolling_days": 28, "name": "active_28d"}],
                           "interval": "day"},
        "revenue_by_category": {
            "series": [NET_REVENUE, UNITS, {**UNITS, "filters": [REFUNDS]}],
            "interval": grain,
            "breakdowns": [{"property": "product.category", "limit": 1000,
                            "rank_by": "value"}]},
        "aov": {"series": [{"math": "unique_sessions", "filters": [PURCHASES]},
                           {**NET_REVENUE, "filters": [PURCHASES]},
                           {**NET_REVENUE, "filters": [REFUNDS]}],
                "interval": "day"},
    }
    for top, prop in TOP_PROPERTIES.items():
        docs[top] = {"series": [NET_REVENUE], "display": "total",
                     "breakdowns": [{"property": prop, "limit": top_n, "rank_by": "value"}]}
    if name not in docs:
        raise KeyError(f"metric {name!r} has no query; known: {', '.join(docs)}")
    return TrendsQuery.model_validate({**docs[name], "date_range": dr})


def units_query(name: str, values: list[Any], first: date, last: date) -> TrendsQuery:
    """Units bought of the listed products, categories or brands (a top list's second
    column) over ``[first, last]``; None in ``values`` is "not set"."""
    prop = TOP_PROPERTIES[name]
    known = [v for v in values if v is not None]
    either: list[dict[str, Any]] = [{"property": prop, "operator": "in", "value": known}
                                    ] if known else []
    if None in values:
        either.append({"property": prop, "operator": "is_not_set"})
    return TrendsQuery.model_validate({
        "series": [{**UNITS, "filters": [PURCHASES, {"type": "or", "filters": either}]}],
        "display": "total", "date_range": _range(first, last),
        "breakdowns": [{"property": prop, "limit": 1000, "rank_by": "value"}]})


def rows(engine: Engine, query: TrendsQuery, form: Form) -> list[tuple]:
    """The statement's rows ``(series, bucket, bd_0.., bd_other, value)`` in ``form``.

    The optimized form is the planner's statement; a metric the planner does not answer
    is a defect (raised), never a silent read of the raw events."""
    from shoplens.insights.runner import plan
    from shoplens.insights.trends.compile import resolve_trends

    resolved, raw = resolve_trends(engine, query)
    statement = raw
    if form == "optimized":
        planned = plan(engine, query, resolved)
        if planned is None:
            raise UnsupportedOperationError(
                f"the planner does not answer {query.model_dump_json(exclude_defaults=True)}")
        statement = planned
    out = []
    for row in engine.fetch_all(statement.query(), statement.params):
        row = tuple(row)
        bucket = row[1]
        if isinstance(bucket, datetime):
            bucket = bucket.date()
        elif isinstance(bucket, str):
            bucket = date.fromisoformat(bucket[:10])
        out.append((row[0], bucket, *row[2:]))
    return out


def day_after(d: date) -> date:
    return d + timedelta(days=1)
