"""Trends series answered from ``rollup_session_hour``: distinct users and sessions of
any event, and event counts, sums and averages by the hour and by the user's and the
session's own properties.

``rollup_session_hour`` keeps one row per UTC hour, session, user (with the user's
country), event name and event type with its ``events``, the sums of
``event.revenue``, ``event.price`` and ``event.quantity`` and the number of priced
events (maintained on every load and catalogue change by
:mod:`shoplens.metrics.rollups`; about a fifth of the events on the generated shop: a
session's events mostly share a few names and one hour). A series is covered when

- its math is ``total``, ``unique_users``, ``unique_sessions``, or ``sum``/``avg`` of
  one of those three properties;
- every filter and breakdown reads the event's name or type (the taxonomy's stage and
  action too, joined on the name), the time parts of the hour (``time.hour``,
  ``time.weekday``, ``time.day``, ``time.month``), the user's country (kept in the row,
  as ``rollup_event_day`` keeps it: a load that changes a user's country re-derives
  the user's days before the next read), or a relation joined on the user or the
  session (``users``, ``user_segments``, ``sessions``: joined at read time, so a changed
  signup date or session is read as the raw statement reads it);
- the range starts and ends on whole UTC hours (relative and ISO-date ranges do), and
  nothing is binned.

A row keeps its user and session, so a distinct count over any set of rows is the raw
statement's distinct count over their events; a top-N cut ranks value combinations by
their events (the rows' ``events`` summed) and groups the rest into "other" with the raw
compile's own :func:`~shoplens.insights.compile.rows.mapped_rows`. A product property
(category, brand, the price of an event) is not kept: such a series reads
``rollup_event_day`` (:mod:`.trends`) or the raw events.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.compile.dates import range_predicate, trunc
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filters_predicate
from shoplens.insights.compile.rows import and_all
from shoplens.insights.compile.sources import join_order
from shoplens.insights.planner.coverage import EVENT_DAY_SUMS, NotCovered, onto
from shoplens.insights.planner.trends import (
    avg_value,
    finish,
    grouped_rows,
    measure_count,
    plain_breakdowns,
)
from shoplens.insights.schema import TrendsQuery

TABLE = "rollup_session_hour"
#: raw (alias, column) -> the rollup's column
COLUMNS: dict[tuple[str, str], str] = {
    ("e", "raw_event"): "raw_event", ("e", "event_type"): "event_type",
    ("e", "user_id"): "user_id", ("e", "session_id"): "session_id",
    ("u", "country"): "country"}
#: relations joined at read time: join name -> (table, alias, the rollup's key column)
JOINS: dict[str, tuple[str, str, str]] = {
    "users": ("users", "u", "user_id"), "segments": ("user_segments", "us", "user_id"),
    "sessions": ("sessions", "s", "session_id"), "taxonomy": ("event_taxonomy", "t", "raw_event"),
}
MATHS = frozenset({"total", "unique_users", "unique_sessions", "sum", "avg"})
DISTINCT = {"unique_users": "uid", "unique_sessions": "sid"}


def whole_hours(query: TrendsQuery, resolved: Any) -> bool:
    """The range is UTC and starts and ends on whole hours."""
    rng = resolved.range
    return query.date_range.timezone == "UTC" and all(
        t.minute == t.second == t.microsecond == 0 for t in (rng.start, rng.end))


def session_hour_series(query: TrendsQuery, i: int, resolved: Any, scope: Scope
                        ) -> exp.Select | None:
    """Series ``i`` from ``rollup_session_hour``, or None when it does not cover it."""
    s = query.series[i]
    if not whole_hours(query, resolved) or s.math not in MATHS or s.rolling_days:
        return None
    ref = None
    if s.math in ("sum", "avg"):
        ref = scope.catalogue.resolve(s.math_property or "").ref
        if ref not in EVENT_DAY_SUMS:
            return None
    bds = plain_breakdowns(scope, query)
    if bds is None:
        return None
    where = and_all([
        range_predicate(scope, resolved.range),
        event_predicate(scope, s.event, option=f"series[{i}].event"),
        filters_predicate(scope, query.filters, option="filters"),
        filters_predicate(scope, s.filters, option=f"series[{i}].filters")])
    assert where is not None
    if not set(scope.joins) <= set(JOINS):
        return None
    hour = exp.column("hour_start", "r")
    aliases = [JOINS[j][1] for j in JOINS]
    try:
        cols: list[exp.Expression] = [
            exp.Literal.number(i).as_("series"),
            trunc(hour.copy(), query.interval).as_("bucket"),
            *[onto(b.expr, COLUMNS, "r", day=hour, keep=aliases).as_(c)
              for b, c in zip(bds.items, bds.columns, strict=True)]]
        where = onto(where, COLUMNS, "r", day=hour, keep=aliases)
    except NotCovered:
        return None
    cols += [exp.column("user_id", "r").as_("uid"), exp.column("session_id", "r").as_("sid"),
             exp.column("events", "r").as_("n"),
             (exp.column(EVENT_DAY_SUMS[ref], "r") if ref is not None
              else exp.Cast(this=exp.null(), to=exp.DataType.build("BIGINT"))).as_("mv")]
    if s.math == "avg" and ref is not None:
        cols.append(measure_count(ref).as_("c"))
    base = exp.select(*cols).from_(exp.to_table(TABLE).as_("r"))
    # a relation is joined only when a moved expression still reads it (the user's
    # country is the rollup's own column)
    read = {c.table for e in (where, *cols) for c in e.find_all(exp.Column)}
    for join in join_order({j: None for j in scope.joins if JOINS[j][1] in read}):
        table, alias, key = JOINS[join]
        base = base.join(exp.to_table(table).as_(alias), join_type="left",
                         on=exp.EQ(this=exp.column(key, alias), expression=exp.column(key, "r")))
    base = base.where(where)
    if s.math in ("total", "sum"):
        # a sum of sums: one aggregation (and the ranking total) over the rollup rows
        value = exp.Sum(this=exp.column("mv" if s.math == "sum" else "n"))
        return finish(base, bds, value, rank="mv" if bds.by_value and s.math == "sum" else "n")
    if s.math == "avg":
        return grouped_rows(base, bds, avg_value(), rank_value=None)
    distinct = exp.Count(this=exp.Distinct(expressions=[exp.column(DISTINCT[s.math])]))
    return grouped_rows(base, bds, distinct, rank_value=None)


__all__ = ["session_hour_series", "whole_hours"]
