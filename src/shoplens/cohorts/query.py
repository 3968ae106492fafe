"""A cohort matrix as a query of the insight model: :class:`CohortParams` -> a
:class:`~shoplens.insights.schema.RetentionQuery`, answered by the retention runner.

The cohort options map onto the query model one for one:

=====================  ===============================================================
``cohort_by``          ``signup``: ``cohort_by="signup"`` (fallback: the first event
                       that is not a refund); ``first_activity``: first start event
                       ever, start = events that are not refunds; ``first_purchase``:
                       start = purchases
``period``             ``period`` (cohort width)
``offset_unit``        ``offset_period`` (each member from their own entry day)
``periods``            ``total_intervals``
``measure``            ``users`` (return = activity: not refunds, or purchases),
                       ``orders`` (return = purchases) or ``revenue`` (return = any event:
                       the net revenue of purchases minus refunds)
``kind``               ``accumulation``: classic = ``period``, rolling =
                       ``on_or_after``, cumulative = ``up_to``
``observed_from/until``  ``date_range`` with ``censoring="observed"``
=====================  ===============================================================

"Refund" and "purchase" are the canonical ``event.event_type`` values, as the matrices
always counted them; an unknown type (NULL) is activity.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from shoplens.cohorts.params import CohortParams
from shoplens.engines import Engine
from shoplens.insights.planner import user_day
from shoplens.insights.result import InsightResult
from shoplens.insights.schema import DateRange, EventSeries, PropertyFilter, RetentionQuery

#: any event that is not a refund (events of an unknown type count)
ACTIVITY = EventSeries(name="activity", filters=[
    PropertyFilter(property="event.event_type", operator="neq", value="refund")])
#: purchase events
PURCHASES = EventSeries(name="purchases", filters=[
    PropertyFilter(property="event.event_type", operator="eq", value="purchase")])
#: every event: revenue nets purchases and refunds, other events carry none
ANY = EventSeries()

_CELLS: dict[str, Literal["period", "on_or_after", "up_to"]] = {
    "classic": "period", "rolling": "on_or_after", "cumulative": "up_to"}


def retention_query(params: CohortParams) -> RetentionQuery:
    """The retention query whose results are the matrix of ``params``."""
    p = params
    if p.measure == "users":
        returns = PURCHASES if p.active_on == "purchase" else ACTIVITY
    else:
        returns = PURCHASES if p.measure == "orders" else ANY
    return RetentionQuery(
        start_event=PURCHASES if p.cohort_by == "first_purchase" else ACTIVITY,
        return_event=returns,
        cohort_by="signup" if p.cohort_by == "signup" else "start_event",
        period=p.period, offset_period=p.offset_unit, total_intervals=p.periods,
        measure=p.measure, accumulation=_CELLS[p.kind], censoring="observed",
        date_range=DateRange(
            date_from=p.observed_from.isoformat() if p.observed_from else None,
            date_to=p.observed_until.isoformat() if p.observed_until else None))


def run_query(engine: Engine, params: CohortParams) -> InsightResult:
    """Run the matrix's retention query (the rollups brought up to date first, so that
    the planner can answer from them: a no-op when they already are).

    The observed window's default bounds are the first and last day of the user-day
    rollup, which holds a row for every day with events (as the dedicated cohort SQL
    read them): two index lookups where the first and last event time scan ``events``.
    """
    from shoplens.insights.compile.dates import resolve_range
    from shoplens.insights.retention import run_retention
    from shoplens.metrics import rollups

    with engine.transaction():
        rollups.ensure_fresh(engine)
    query = retention_query(params)
    lo, hi = engine.fetch_all(f"SELECT MIN(day), MAX(day) FROM {user_day.TABLE}")[0]
    bounds = tuple(None if d is None else dt.datetime.combine(_day(d), dt.time())
                   for d in (lo, hi))
    rng = resolve_range(engine, query.date_range, bounds=bounds)  # type: ignore[arg-type]
    return run_retention(engine, query, rng=rng)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
