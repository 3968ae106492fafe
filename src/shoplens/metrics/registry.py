"""The registry of metric queries: each metric in a naive and an optimized form.

Both forms of a metric live side by side as ``sql/naive/<name>.sql`` and
``sql/optimized/<name>.sql`` (PostgreSQL dialect, ``:name`` placeholders), return the same
columns in the same order, and must return identical rows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shoplens.engines import Engine, Query
from shoplens.engines.sql import placeholders
from shoplens.metrics.params import Form

FORMS: tuple[Form, ...] = ("naive", "optimized")


@dataclass(frozen=True)
class MetricQuery:
    """One metric with its two query forms."""

    name: str
    family: str
    description: str

    def query(self, form: Form) -> Query:
        return _load(form, self.name)


@functools.cache
def _load(form: str, name: str) -> Query:
    return Query.from_file("shoplens.metrics", f"sql/{form}/{name}.sql")


@functools.cache
def _placeholders(sql: str) -> frozenset[str]:
    return frozenset(placeholders(sql))


METRICS: tuple[MetricQuery, ...] = (
    MetricQuery("dau", "active_users", "distinct active users per day"),
    MetricQuery("wau", "active_users", "distinct active users per Monday week"),
    MetricQuery("mau", "active_users", "distinct active users per calendar month"),
    MetricQuery("stickiness", "active_users", "mean DAU over MAU per month"),
    MetricQuery("rolling_active", "active_users", "trailing 7- and 28-day actives per day"),
    MetricQuery("revenue_by_category", "revenue", "net revenue per period and category"),
    MetricQuery("aov", "revenue", "orders, gross and refunded value, average order value"),
    MetricQuery("top_products", "revenue", "products by net revenue"),
    MetricQuery("top_categories", "revenue", "categories by net revenue"),
    MetricQuery("top_brands", "revenue", "brands by net revenue"),
)
BY_NAME: dict[str, MetricQuery] = {m.name: m for m in METRICS}


def bound(query: Query, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the placeholders ``query`` uses (drivers reject unused names)."""
    return {k: values[k] for k in _placeholders(query.sql)}


def run(engine: Engine, name: str, form: Form, values: Mapping[str, Any]) -> list[tuple]:
    """Rows of metric ``name`` in ``form``."""
    query = BY_NAME[name].query(form)
    return engine.fetch_all(query, bound(query, values))
