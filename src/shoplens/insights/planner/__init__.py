"""The insight planner: answer a query from rollups whenever they cover it.

:func:`plan_trends` is installed as the planner of :mod:`shoplens.insights.runner`
(its ``plan(engine, query, resolved)`` seam). Given a trends query it returns a
statement over the rollups (``source="rollups"``) with exactly the rows of the raw
statement, or ``None`` when the rollups do not cover the query's events, math, filters,
breakdowns, interval, time zone or range, and the raw events are read. Each series is
planned on its own (:func:`plan_series`): a series no rollup covers reads the raw
events beside the others (``source="mixed"``); what each rollup covers is in
:mod:`shoplens.insights.planner.trends` (events per day and dimension, distinct users
by country), :mod:`.sessions` (per hour, session and event name) and :mod:`.revenue`;
how query expressions are moved onto rollup columns in
:mod:`shoplens.insights.planner.coverage`.

The rollups are kept current by every load (:mod:`shoplens.metrics.rollups`); the
planner answers only when they have been built (``rollup_state`` has its row, of the
current layout) and
first folds in any catalogue or user change still pending
(:func:`shoplens.metrics.rollups.apply_pending`). Events written without
``shoplens load`` are not seen until :func:`shoplens.metrics.rollups.ensure_fresh` runs
(``shoplens metrics`` does): checking every event before each query would cost what the
rollups save. A plan is kept per query document, range and data version
(:mod:`shoplens.insights.compile.cache`): asked again, only the readiness check runs.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile import cache
from shoplens.insights.compile.context import Binder, Compiled, Scope
from shoplens.insights.planner.revenue import plan_revenue
from shoplens.insights.planner.rolling import plan_rolling
from shoplens.insights.planner.sessions import session_hour_series
from shoplens.insights.planner.trends import active_dims_series, event_day_series
from shoplens.insights.schema import TrendsQuery

__all__ = ["plan_sources", "plan_trends", "rollups_ready"]


#: engines whose rollup tables were seen (tables are only ever created, never dropped
#: outside a rebuild that creates them again): spares a catalogue lookup per query
_SEEN: weakref.WeakSet[Engine] = weakref.WeakSet()


def rollups_ready(engine: Engine) -> bool:
    """The planner's rollups exist, were built, and have no change pending (pending
    catalogue or user changes are folded in first)."""
    if engine not in _SEEN:
        from shoplens.metrics.rollups import LAYOUTS

        if not all(engine.table_exists(t) for t in ("rollup_state", "rollup_event_day",
                                                      "rollup_dims_pending",
                                                      "rollup_session_hour")):
            return False
        # a database whose rollups an older version laid out: raw until a load rebuilds
        if any(engine.columns(t) != LAYOUTS[t] for t in ("rollup_event_day",
                                                         "rollup_session_hour",
                                                         "rollup_state")):
            return False
        _SEEN.add(engine)
    from shoplens.metrics.rollups import LAYOUT

    built, pending = engine.fetch_all(
        "SELECT (SELECT COUNT(*) FROM rollup_state WHERE layout = :layout), "
        "(SELECT COUNT(*) FROM rollup_dims_pending)", {"layout": LAYOUT})[0]
    if not built:
        return False
    if pending:
        from shoplens.metrics import rollups

        return rollups.apply_pending(engine)
    return True


def plan_trends(engine: Engine, query: TrendsQuery, resolved: Any) -> Compiled | None:
    """A statement over the rollups with the raw statement's rows, or None.

    Rolling windows read ``rollup_rolling_active``; revenue questions the revenue
    rollups (:mod:`.revenue`, whole-range totals included: sums add up). Any other
    whole-range value (``display="total"``) is not a sum of the rollups' periods: the
    raw statement answers it."""
    if query.date_range.timezone != "UTC" or not rollups_ready(engine):
        return None
    # kept while the data is unchanged (shoplens.insights.compile.cache): a plan reads
    # only the query, its range and the rollups' catalogue
    return cache.cached(engine, ("plan", query.model_dump_json(), resolved.range),
                        lambda _: _plan(engine, query, resolved))


def _plan(engine: Engine, query: TrendsQuery, resolved: Any) -> Compiled | None:
    def scope() -> Scope:
        return Scope(resolved.catalogue, Binder(prefix="r"), timezone="UTC")

    if any(s.rolling_days for s in query.series):
        return plan_rolling(engine, query, resolved, scope())
    planned = plan_revenue(engine, query, resolved, scope())
    if planned is not None or query.display == "total":
        return planned
    return plan_series(engine, query, resolved)


def plan_series(engine: Engine, query: TrendsQuery, resolved: Any) -> Compiled | None:
    """Each series from the smallest rollup that covers it — ``rollup_active_dims``
    (distinct users by country), ``rollup_event_day`` (counts and sums by the
    dimensions), ``rollup_session_hour`` (distinct users and sessions, hours, user and
    session properties) — their rows unioned. A series no rollup covers keeps its raw
    ``SELECT`` (``resolved.series``: each series of the raw statement is a statement of
    its own, top-N ranking included), so one uncovered series no longer sends the
    others to the raw events: such a statement's source is ``"mixed"``. None when no
    series is covered."""
    attempts = (
        lambda i, sc: active_dims_series(engine, query, i, resolved, sc),
        lambda i, sc: event_day_series(query, i, resolved, sc),
        lambda i, sc: session_hour_series(query, i, resolved, sc),
    )
    selects: list[exp.Expression] = []
    params: dict[str, Any] = {}
    raw = 0
    for i in range(len(query.series)):
        for k, attempt in enumerate(attempts):
            # names of this series and attempt: a declined attempt's values are dropped
            scope = Scope(resolved.catalogue, Binder(prefix=f"r{i}_{k}_"), timezone="UTC")
            select = attempt(i, scope)
            if select is not None:
                selects.append(select)
                params.update(scope.binder.params)
                break
        else:
            if len(resolved.series) != len(query.series):
                return None
            raw += 1
            select = resolved.series[i].copy()
            selects.append(select)
            values = resolved.scope.binder.params
            params.update({p.name: values[p.name] for p in select.find_all(exp.Placeholder)})
    if raw == len(query.series):
        return None
    statement = selects[0]
    for sel in selects[1:]:
        statement = exp.union(statement, sel, distinct=False)
    if raw:
        return Compiled(statement, params, source="mixed", name="trends-mixed")
    return Compiled(statement, params, source="rollups", name="trends-rollups")


def plan_sources(engine: Engine, query: Any, **context: Any) -> Any | None:
    """The relations a retention, lifecycle or stickiness statement reads, from the
    user-day rollup (:mod:`shoplens.insights.planner.retention`, ``.lifecycle``,
    ``.stickiness``), or None: the raw events answer. ``context`` is what the runner's
    compile hands over (its ``scope`` and ``rng``: :func:`shoplens.insights.runner.prologue`)."""
    from shoplens.insights.planner.lifecycle import plan_lifecycle
    from shoplens.insights.planner.retention import plan_retention
    from shoplens.insights.planner.stickiness import plan_stickiness

    planner = {"retention": plan_retention, "lifecycle": plan_lifecycle,
               "stickiness": plan_stickiness}.get(query.kind)
    if planner is None:
        return None
    planned = planner(query, **context)
    # the rollups are checked last: their readiness costs a query, a decline does not
    return planned if planned is not None and rollups_ready(engine) else None
