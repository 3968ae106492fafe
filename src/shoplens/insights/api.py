"""The Python API: ``import shoplens as sl; sl.trends("duckdb:shop.duckdb", ...)``.

Each function takes a database (a URL, an open :class:`~shoplens.engines.Engine`, or
None for ``$SHOPLENS_DB`` / ``./shoplens.duckdb``) and keyword arguments, builds the
query document of :mod:`shoplens.insights.schema` and answers it with
:func:`shoplens.insights.runner.run`. ``where`` takes the compact syntax of ``--where``
(``"user.country=FR"``, a list of them) or filter documents; ``breakdown`` a property
name or a list of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from shoplens.engines import Engine, connect
from shoplens.errors import ConfigError
from shoplens.insights.result import InsightResult
from shoplens.insights.runner import run, validate, validation_message
from shoplens.insights.where import as_filters

Db = str | Engine | None


@contextlib.contextmanager
def _engine(db: Db) -> Iterator[Engine]:
    if isinstance(db, Engine):
        yield db
        return
    engine = connect(db)
    try:
        yield engine
    finally:
        engine.close()


def _breakdowns(breakdown: Any, limit: int, bins: Any) -> list[dict[str, Any]]:
    if breakdown is None:
        return []
    items = [breakdown] if isinstance(breakdown, str | dict) else list(breakdown)
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
        else:
            out.append({"property": item, "limit": limit,
                        **({"bins": bins} if bins is not None else {})})
    return out


def _date_range(date_from: str | None, date_to: str | None, timezone: str,
                anchor: str) -> dict[str, Any]:
    return {"date_from": date_from, "date_to": date_to, "timezone": timezone, "anchor": anchor}


def _series(event: Any, math: str, math_property: str | None) -> list[dict[str, Any]]:
    events = event if isinstance(event, list | tuple) else [event]
    return [{"event": e, "math": math, **({"math_property": math_property}
                                         if math_property else {})} for e in events]


def query(doc: Any, db: Db = None) -> InsightResult:
    """Answer any query document (a dict, JSON text or a model of
    :mod:`shoplens.insights.schema`)."""
    q = validate(doc)
    with _engine(db) as engine:
        return run(engine, q)


def _run(db: Db, doc: dict[str, Any]) -> InsightResult:
    try:
        q = validate(doc)
    except ValidationError as exc:  # pragma: no cover - validate() converts already
        raise ConfigError(validation_message(exc)) from None
    with _engine(db) as engine:
        return run(engine, q)


def trends(db: Db = None, *, event: str | list[str] | None = None, math: str = "total",
           math_property: str | None = None, series: list[Any] | None = None,
           where: Any = None, breakdown: Any = None, breakdown_limit: int = 10,
           bins: int | list[float] | None = None, date_from: str | None = None,
           date_to: str | None = None, interval: str = "day", timezone: str = "UTC",
           anchor: str = "data", compare: bool = False, formula: str | None = None,
           cumulative: bool = False) -> InsightResult:
    """Series over time: events, users, sums of a property, formulas.

    Parameters
    ----------
    db
        Database URL or engine.
    event
        One event reference or a list (one series each): a raw name, ``action:NAME``,
        ``stage:NAME``, or None for any event.
    math, math_property
        ``total``, ``unique_users``, ``unique_sessions``, ``sum``/``avg``/``median``/
        ``p90``/``min``/``max`` of ``math_property``, ``per_user_avg``.
    series
        Full series documents instead of ``event``/``math`` (see ``EventSeries``).
    where, breakdown, breakdown_limit, bins
        Filters (compact syntax or documents); properties to split by, the top values
        kept (the rest is ``(other)``), numeric bins.
    date_from, date_to, interval, timezone, anchor
        The range (ISO or relative: ``-30d``, ``this month``), the step (hour, day,
        week, month, quarter) and the time zone.
    compare, formula, cumulative
        Add the previous period; combine series (``A / B``); running totals.

    Returns
    -------
    InsightResult
        ``.to_frame()``: one row per series, breakdown value and date;
        ``.to_json()``: ``series`` with ``breakdown_value`` and ``points``.

    Notes
    -----
    An event counts in the interval (Monday weeks) holding its time in ``timezone``.
    ``unique_users`` counts distinct ``user_id`` per interval. A breakdown's values are
    ranked by their number of events in the range; past ``breakdown_limit`` they are
    grouped as ``(other)``, with distinct counts computed over the group.
    """
    doc = {"kind": "trends", "series": series or _series(event, math, math_property),
           "filters": as_filters(where), "breakdowns": _breakdowns(breakdown, breakdown_limit,
                                                                  bins),
           "date_range": _date_range(date_from, date_to, timezone, anchor),
           "interval": interval, "compare": compare, "formula": formula,
           "cumulative": cumulative}
    return _run(db, _dump(doc))


def lifecycle(db: Db = None, *, event: str | None = None, where: Any = None,
              date_from: str | None = None, date_to: str | None = None,
              interval: str = "week", timezone: str = "UTC", anchor: str = "data"
              ) -> InsightResult:
    """New, returning, resurrecting and dormant users per interval.

    Notes
    -----
    PostHog's definitions, for users doing ``event`` (filtered by ``where``): *new*
    users did it for the first time ever in the interval; *returning* did it in this
    and the previous interval; *resurrecting* did it in this one, not the previous
    one, and some time before; *dormant* (counted negative) did it in the previous
    interval and not in this one.
    """
    doc = {"kind": "lifecycle", "series": {"event": event}, "filters": as_filters(where),
           "date_range": _date_range(date_from, date_to, timezone, anchor),
           "interval": interval}
    return _run(db, _dump(doc))


def stickiness(db: Db = None, *, event: str | None = None, where: Any = None,
               breakdown: Any = None, breakdown_limit: int = 10,
               date_from: str | None = None, date_to: str | None = None,
               interval: str = "day", timezone: str = "UTC", anchor: str = "data"
               ) -> InsightResult:
    """How many users did ``event`` in exactly 1, 2, ... N intervals of the range."""
    doc = {"kind": "stickiness", "series": [{"event": event}], "filters": as_filters(where),
           "breakdowns": _breakdowns(breakdown, breakdown_limit, None),
           "date_range": _date_range(date_from, date_to, timezone, anchor),
           "interval": interval}
    return _run(db, _dump(doc))


def retention(db: Db = None, *, start_event: str | None = None,
              return_event: str | None = None, period: str = "week",
              total_intervals: int = 8, retention_type: str = "first_time",
              measure: str = "users", cumulative: bool = False, where: Any = None,
              breakdown: Any = None, breakdown_limit: int = 10, date_from: str | None = None,
              date_to: str | None = None, timezone: str = "UTC", anchor: str = "data",
              cohort_by: str = "start_event", offset_period: str | None = None,
              accumulation: str | None = None, censoring: str = "started"
              ) -> InsightResult:
    """Of the users who did ``start_event`` in a period, who did ``return_event`` later.

    See :func:`shoplens.insights.retention.run_retention` for the definitions (the
    cohort options ``cohort_by``, ``offset_period``, ``accumulation``, ``censoring``
    are those of :class:`~shoplens.insights.schema.RetentionQuery`).
    """
    doc = {"kind": "retention", "start_event": {"event": start_event},
           "return_event": {"event": return_event}, "period": period,
           "total_intervals": total_intervals, "retention_type": retention_type,
           "measure": measure, "cumulative": cumulative, "filters": as_filters(where),
           "breakdowns": _breakdowns(breakdown, breakdown_limit, None),
           "date_range": _date_range(date_from, date_to, timezone, anchor),
           "cohort_by": cohort_by, "offset_period": offset_period,
           "accumulation": accumulation, "censoring": censoring}
    return _run(db, _dump(doc))


def _dump(doc: dict[str, Any]) -> dict[str, Any]:
    """Models inside the document (filters) as plain dicts."""
    def plain(v: Any) -> Any:
        if hasattr(v, "model_dump"):
            return v.model_dump(mode="json", exclude_none=False)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v
    return plain(doc)
