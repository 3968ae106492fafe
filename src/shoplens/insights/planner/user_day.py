"""The user-day rollup as the planner's source for retention, lifecycle and stickiness.

``rollup_user_day`` keeps one row per UTC day and user with the day's ``events``,
``active_events`` (not refunds; an unknown type counts), ``purchases``, ``orders``
(distinct purchase times) and net ``revenue`` (:mod:`shoplens.metrics.rollups` keeps it
equal to grouping ``events`` by user and day). It answers a series that selects users
by one of three shapes, recognised on the query document:

- any event, no filter: every row (``events > 0``);
- any event filtered ``event.event_type != 'refund'``: ``active_events > 0``;
- any event filtered ``event.event_type = 'purchase'``: ``purchases > 0``.

Anything else (another event reference, other filters, a breakdown, a time zone other
than UTC, a range not made of whole days) needs the raw events: the planner declines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from shoplens.errors import ConfigError
from shoplens.insights.compile.context import Scope
from shoplens.insights.schema import EventSeries, PropertyFilter

TABLE = "rollup_user_day"
TIMESTAMP = exp.DataType.build("TIMESTAMP")
ANY, ACTIVE, PURCHASES = "any", "active", "purchases"
#: (operator, value) of the event-type filter -> the shape it selects
_TYPE_FILTERS = {("neq", "refund"): ACTIVE, ("eq", "purchase"): PURCHASES}
_COLUMNS = {ACTIVE: "active_events", PURCHASES: "purchases"}


def shape(scope: Scope, series: EventSeries) -> str | None:
    """``any``, ``active`` or ``purchases`` for a series the rollup answers, else None."""
    if series.event not in (None, "", "*"):
        return None
    if not series.filters:
        return ANY
    if len(series.filters) != 1 or not isinstance(series.filters[0], PropertyFilter):
        return None
    f = series.filters[0]
    try:
        ref = scope.catalogue.resolve(f.property).ref
    except ConfigError:
        return None  # the raw compile names the unknown property
    if ref != "event.event_type" or not isinstance(f.value, str):
        return None
    return _TYPE_FILTERS.get((f.operator, f.value))


def predicate(which: str) -> exp.Expression | None:
    """The rollup rows of the users a shape selects (None: every row)."""
    column = _COLUMNS.get(which)
    return None if column is None else exp.GT(this=exp.column(column, "r"),
                                              expression=exp.Literal.number(0))


def day_bounds(*moments: dt.datetime) -> list[dt.date] | None:
    """The days of local midnights (UTC queries only), or None when one is not."""
    if any(m.time() != dt.time() for m in moments):
        return None
    return [m.date() for m in moments]


def bucket(interval: str) -> exp.Expression:
    """The interval holding the row's day, as the raw statement's timestamp bucket."""
    return exp.func("DATE_TRUNC", exp.Literal.string(interval),
                    exp.Cast(this=exp.column("day", "r"), to=TIMESTAMP.copy()))


def rows(select: exp.Select, scope: Scope, *, since: dt.date | None, until: dt.date,
         which: str) -> exp.Select:
    """``select`` reading ``rollup_user_day AS r`` for days ``[since, until)`` of the
    users the shape selects."""
    day = exp.column("day", "r")
    conds: list[Any] = [exp.LT(this=day.copy(), expression=scope.bind(until))]
    if since is not None:
        conds.insert(0, exp.GTE(this=day.copy(), expression=scope.bind(since)))
    pred = predicate(which)
    if pred is not None:
        conds.append(pred)
    return select.from_(exp.to_table(TABLE).as_("r")).where(exp.and_(*conds))


def plain_utc(query: Any) -> bool:
    """The query has no query-level filters and reads UTC days."""
    return not query.filters and query.date_range.timezone == "UTC"
