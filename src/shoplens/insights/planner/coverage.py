"""What the planner's rollups cover, and query expressions moved onto them.

The planner never re-implements a definition: it compiles a query's event references,
filters and breakdowns with the same compilers as the raw statement
(:mod:`shoplens.insights.compile`) and then moves every column they read from
``events AS e`` and its joins onto a rollup's columns (:func:`onto`). An expression
that reads a column the rollup does not keep cannot be answered from it: the planner
then declines and the raw statement runs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sqlglot import exp

from shoplens.insights.schema import FilterGroup, PropertyFilter

#: columns of the raw relations (alias, column) kept by ``rollup_event_day AS r``
EVENT_DAY: dict[tuple[str, str], str] = {
    ("e", "raw_event"): "raw_event", ("e", "event_type"): "event_type",
    ("u", "country"): "country", ("p", "category"): "category", ("p", "brand"): "brand",
}
#: properties answered by ``rollup_event_day`` (filters and breakdowns)
EVENT_DAY_PROPERTIES = frozenset({
    "event.raw_event", "event.event_type", "event.stage", "event.action", "user.country",
    "product.category", "product.brand", "time.weekday", "time.day", "time.month",
})
#: math properties summed in ``rollup_event_day`` -> its column
EVENT_DAY_SUMS = {"event.revenue": "revenue", "event.price": "price",
                  "event.quantity": "quantity"}
#: ``rollup_active_dims AS a`` keeps the user's country only
ACTIVE_DIMS: dict[tuple[str, str], str] = {("u", "country"): "country"}
ACTIVE_DIMS_PROPERTIES = frozenset({"user.country"})


class NotCovered(Exception):
    """The rollup lacks a column the expression reads."""


def onto(expr: exp.Expression, columns: Mapping[tuple[str, str], str], alias: str, *,
         day: exp.Expression | None = None, keep: Collection[str] = ("t",)) -> exp.Expression:
    """``expr`` reading ``alias``'s columns instead of the raw relations'.

    ``e.event_time`` becomes ``day`` when given (time parts coarser than the rollup's
    time grain); the columns of the relations in ``keep`` are kept (the caller joins
    them on the rollup's keys: by default the event taxonomy ``t``, on the event name);
    the rollup's own columns and unqualified ones (inside a subquery of its own) are
    left alone. Any other column raises :class:`NotCovered`.
    """
    def move(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Column) or not node.table or node.table == alias:
            return node
        key = (node.table, node.name)
        if key in columns:
            return exp.column(columns[key], alias)
        if key == ("e", "event_time") and day is not None:
            return day.copy()
        if node.table in keep:
            return node
        raise NotCovered(f"{node.table}.{node.name}")

    return expr.copy().transform(move)


def filter_refs(filters: Iterable[PropertyFilter | FilterGroup]) -> list[str]:
    """Every property name a filter list reads (nested groups included)."""
    out: list[str] = []
    for f in filters:
        out += filter_refs(f.filters) if isinstance(f, FilterGroup) else [f.property]
    return out
