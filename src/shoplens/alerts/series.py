"""The watched series, read through the insight query model.

Every series alerts judge is a trends query answered by
:func:`shoplens.insights.runner.run` at a daily interval: a metric's own query (its date
range, interval, formula and breakdowns replaced by the watch's), the same query broken
down by one property for the root cause (:class:`~shoplens.insights.schema.Breakdown`,
every value kept), and the events per raw event name for the data-quality checks. The
planner answers from the rollups where they cover a query (counts and sums of events by
country, category, brand and event name; active users by country), else the raw events
are read; no SQL is written here.

The rollups are kept current by ``shoplens load``; events written another way are not in
them until ``shoplens metrics`` (or :func:`shoplens.metrics.rollups.ensure_fresh`) runs.
A watch that finds the rollups behind the events reads the raw events instead (see
:class:`SeriesReader`), so that an alert never comes from stale aggregates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from shoplens.engines import Engine
from shoplens.errors import ConfigError, UnsupportedOperationError
from shoplens.insights.compile.context import Compiled
from shoplens.insights.properties import Catalogue
from shoplens.insights.result import InsightResult
from shoplens.insights.schema import Breakdown, DateRange, EventSeries, TrendsQuery

#: breakdown values kept per property (the query model's largest top-N; past it the
#: rest is grouped as "(other)")
BREAKDOWN_LIMIT = 1000
#: short names of breakdown properties, and the names earlier versions used
ALIASES = {"country": "user.country", "category": "product.category",
           "brand": "product.brand", "channel": "user.channel", "device": "user.device",
           "event.type": "event.event_type", "event_type": "event.event_type",
           "type": "event.event_type", "event.name": "event.raw_event",
           "event": "event.raw_event", "raw_event": "event.raw_event"}
#: how messages name a property's values ("country = DE", "event = add-to-cart")
LABELS = {"event.event_type": "event type", "event.raw_event": "event"}
NONE = "(none)"


def breakdown_label(prop: str) -> str:
    return LABELS.get(prop, prop.partition(".")[2] or prop)


def letters(n: int) -> list[str]:
    return [chr(65 + i) for i in range(n)]


def _raw(_engine: Engine, _query: TrendsQuery, _resolved: Any) -> Compiled | None:
    return None


class SeriesReader:
    """Reads daily series of trends queries on one database for one watch.

    Parameters
    ----------
    engine
        The database.
    raw
        Read the raw events even where the rollups would answer (``None``: decide once,
        by whether the rollups cover every event; see the module's docstring).
    """

    def __init__(self, engine: Engine, *, raw: bool | None = None) -> None:
        self.engine = engine
        self.catalogue = Catalogue(engine)
        self.notes: list[str] = []
        self.sources: set[str] = set()
        if raw is None:
            raw = _rollups_behind(engine)
            if raw:
                self.notes.append(
                    "the rollups are behind the events (events written without `shoplens "
                    "load`): the series are read from the raw events; `shoplens metrics` "
                    "brings the rollups up to date")
        self.raw = raw

    def resolve_breakdown(self, prop: str) -> str:
        """The query model's name of a breakdown property (``country`` ->
        ``user.country``), or an error naming the closest known properties."""
        name = ALIASES.get(prop.strip(), prop.strip())
        try:
            return self.catalogue.resolve(name, option="--breakdown").ref
        except ConfigError as exc:
            raise UnsupportedOperationError(str(exc)) from None

    def run(self, query: TrendsQuery) -> InsightResult:
        """The trends runner :func:`shoplens.insights.runner.run` dispatches to, given
        this watch's catalogue (the database's event names are read once, not per
        series) and, when the rollups are behind, no planner."""
        from shoplens.insights.runner import plan
        from shoplens.insights.trends.runner import run_trends

        res = run_trends(self.engine, query, planner=_raw if self.raw else plan,
                         catalogue=self.catalogue)
        self.sources.add(res.source)
        return res

    def daily(self, query: TrendsQuery, lo: date, hi: date, breakdown: str | None = None
              ) -> pd.DataFrame:
        """Daily values from ``lo`` to ``hi`` (inclusive) of each series of ``query``.

        Returns a frame indexed by day (every day of the range; 0 where a count or sum
        has no events: days without any event are reported by the data-quality checks)
        with one column per series (``A``, ``B`` ...), or, with ``breakdown``, a long
        frame with columns ``day``, ``value`` (the property's value, ``(none)`` where it
        has none) and the series columns.
        """
        q = daily_query(query, lo, hi, breakdown)
        series = self.run(q).payload["series"]
        cols = letters(len(q.series))
        days = pd.date_range(pd.Timestamp(lo), pd.Timestamp(hi), freq="D", name="day")
        # every series of the runner has one point per day of the range, in order
        if breakdown is None:
            out = pd.DataFrame(np.nan, index=days, columns=cols)
            for s in series:
                out[cols[s["series_index"]]] = _values(s["points"])
            return out
        values: dict[str, dict[str, np.ndarray]] = {}
        for s in series:
            v = s["breakdown_value"]
            key = NONE if v is None else str(v)
            values.setdefault(key, {})[cols[s["series_index"]]] = _values(s["points"])
        frames = [pd.DataFrame({"day": days, "value": key,
                                **{c: v.get(c, np.zeros(len(days))) for c in cols}})
                  for key, v in values.items()]
        if not frames:
            return pd.DataFrame(columns=["day", "value", *cols])
        return pd.concat(frames, ignore_index=True)

    def event_counts(self, lo: date, hi: date) -> pd.DataFrame:
        """Events per day and raw event name (day x name, zeros where none): one trends
        query, any event broken down by ``event.raw_event``."""
        long = self.daily(TrendsQuery(series=[EventSeries(name="Events")]), lo, hi,
                          breakdown="event.raw_event")
        days = pd.date_range(pd.Timestamp(lo), pd.Timestamp(hi), freq="D", name="day")
        if long.empty:
            return pd.DataFrame(index=days, dtype=float)
        wide = long.pivot_table(index="day", columns="value", values="A", aggfunc="sum")
        return wide.reindex(days).fillna(0.0).astype(float).rename_axis(columns="name")


def _values(points: list[dict[str, Any]]) -> np.ndarray:
    return np.array([np.nan if p["value"] is None else float(p["value"]) for p in points],
                    dtype=float)


def daily_query(query: TrendsQuery, lo: date, hi: date, breakdown: str | None = None
                ) -> TrendsQuery:
    """``query`` as alerts read it: daily from ``lo`` to ``hi``, its series without the
    formula (alerts combine them), broken down by ``breakdown`` with every value kept."""
    rng = DateRange(date_from=lo.isoformat(), date_to=hi.isoformat(),
                    timezone=query.date_range.timezone)
    return query.model_copy(update={
        "interval": "day", "date_range": rng, "formula": None, "compare": False,
        "cumulative": False, "display": "series",
        "breakdowns": [Breakdown(property=breakdown, limit=BREAKDOWN_LIMIT)] if breakdown
        else []})


def _rollups_behind(engine: Engine) -> bool:
    """The rollups exist but do not cover the events as they are now."""
    from shoplens.metrics import rollups

    if not engine.table_exists("rollup_state") or not engine.scalar(
            "SELECT COUNT(*) FROM rollup_state"):
        return False  # never built: the planner reads the raw events anyway
    return not rollups.is_fresh(engine)


def data_range(engine: Engine) -> tuple[date, date] | None:
    """First and last day with events, or ``None`` for an empty database."""
    row = engine.fetch_all("SELECT MIN(event_time), MAX(event_time) FROM events")[0]
    if row[0] is None:
        return None
    return pd.Timestamp(row[0]).date(), pd.Timestamp(row[1]).date()
