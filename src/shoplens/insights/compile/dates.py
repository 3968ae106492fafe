"""Date ranges and intervals: from a query's ``DateRange`` to bounds, buckets and SQL.

Bounds are resolved in Python, in the query's time zone, as a half-open range
``[start, end)`` of local times; the SQL compares ``events.event_time`` (stored in UTC)
with the same bounds converted to UTC, bound as values, and puts each event in the
interval holding its local time (``DATE_TRUNC``; weeks start on Monday on every
engine).

Relative dates count back from the **anchor**: the last day with data (a shop's export
is not live) or, with ``anchor="today"``, today in the query's time zone. Following
PostHog, ``-7d`` is the day seven days before the anchor (so ``-7d`` to the anchor is 8
days); ``-2w`` is ``-14d``; ``-3m`` and ``-1y`` step calendar months and years.
``this week|month|quarter|year`` run from the period's first day to the anchor day;
``last week|month|quarter|year``, ``today`` and ``yesterday`` are whole periods. An
ISO date as ``date_to`` includes that whole day. Without ``date_from`` the range starts
at the first event (``"all"``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from sqlglot import exp

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.insights.schema import DateRange

INTERVALS = ("hour", "day", "week", "month", "quarter")
_RELATIVE = re.compile(r"^-(\d+)\s*([hdwmy])$", re.IGNORECASE)
_PERIOD = re.compile(r"^(this|last)\s+(week|month|quarter|year)$", re.IGNORECASE)
MAX_BUCKETS = 5000


@dataclass(frozen=True)
class ResolvedRange:
    """A date range as concrete local bounds ``[start, end)`` in ``timezone``."""

    start: dt.datetime
    end: dt.datetime
    timezone: str = "UTC"

    @property
    def start_utc(self) -> dt.datetime:
        return to_utc(self.start, self.timezone)

    @property
    def end_utc(self) -> dt.datetime:
        return to_utc(self.end, self.timezone)

    def previous(self) -> ResolvedRange:
        """The period of the same length just before (``compare``)."""
        length = self.end - self.start
        return ResolvedRange(self.start - length, self.start, self.timezone)

    @property
    def last_day(self) -> dt.date:
        """The last day inside the range."""
        return (self.end - dt.timedelta(microseconds=1)).date()


def to_utc(local: dt.datetime, timezone: str) -> dt.datetime:
    if timezone == "UTC":
        return local
    aware = local.replace(tzinfo=ZoneInfo(timezone))
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def from_utc(utc: dt.datetime, timezone: str) -> dt.datetime:
    if timezone == "UTC":
        return utc
    return utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


Bounds = tuple[dt.datetime | None, dt.datetime | None]
_bounds_provider: Callable[[Engine], Bounds | None] | None = None


def set_bounds_provider(provider: Callable[[Engine], Bounds | None] | None) -> None:
    """Answer :func:`data_bounds` without scanning ``events`` (a planner reading its
    rollups: day precision is enough, only the first and last *days* are used); the
    provider returns None to fall back to the scan."""
    global _bounds_provider
    _bounds_provider = provider


def data_bounds(engine: Engine) -> Bounds:
    """First and last event time (UTC): from the bounds provider when one is set and
    answers, else ``MIN``/``MAX`` over ``events``."""
    if _bounds_provider is not None:
        got = _bounds_provider(engine)
        if got is not None:
            return got
    lo, hi = engine.fetch_all("SELECT MIN(event_time), MAX(event_time) FROM events")[0]
    return _ts(lo), _ts(hi)


def _ts(x: object) -> dt.datetime | None:
    if x is None:
        return None
    if isinstance(x, dt.datetime):
        return x.replace(tzinfo=None) if x.tzinfo else x
    return pd.Timestamp(x).to_pydatetime()


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time())


def period_start(d: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return d - dt.timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)
    if unit == "year":
        return d.replace(month=1, day=1)
    return d


def _shift(d: dt.date, unit: str, n: int) -> dt.date:
    if unit in ("day", "week"):
        return d + dt.timedelta(days=n * (7 if unit == "week" else 1))
    months = n * {"month": 1, "quarter": 3, "year": 12}[unit]
    return (pd.Timestamp(d) + pd.DateOffset(months=months)).date()


def resolve_range(engine: Engine | None, dr: DateRange, *,
                  bounds: tuple[dt.datetime | None, dt.datetime | None] | None = None
                  ) -> ResolvedRange:
    """The concrete local bounds of ``dr`` (reads the data's first/last event once
    when a bound depends on them; pass ``bounds`` to skip the query)."""
    tz = dr.timezone
    needs_data = dr.date_from in (None, "all") or (dr.anchor == "data" and any(
        v is not None and not _is_iso(v) for v in (dr.date_from, dr.date_to)))
    needs_data = needs_data or (dr.date_to is None and dr.anchor == "data")
    if needs_data and bounds is None:
        if engine is None:
            raise ConfigError("date_range: a relative date needs the database")
        bounds = data_bounds(engine)
    lo, hi = bounds or (None, None)
    if dr.anchor == "today":
        anchor = dt.datetime.now(ZoneInfo(tz)).date()
    elif hi is not None:
        anchor = from_utc(hi, tz).date()
    else:
        anchor = dt.date.today()
    first = from_utc(lo, tz).date() if lo is not None else anchor
    start, implied_end = _parse(dr.date_from, anchor, first, "date_range.date_from", start=True)
    if dr.date_to is not None:
        end, _ = _parse(dr.date_to, anchor, first, "date_range.date_to", start=False)
    else:
        end = implied_end or _midnight(anchor + dt.timedelta(days=1))
    if end <= start:
        raise ConfigError(f"date_range: date_to ({end:%Y-%m-%d %H:%M}) is not after date_from "
                          f"({start:%Y-%m-%d %H:%M})")
    return ResolvedRange(start, end, tz)


def _is_iso(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _parse(text: str | None, anchor: dt.date, first: dt.date, option: str, *, start: bool
           ) -> tuple[dt.datetime, dt.datetime | None]:
    """(the bound, the end a period keyword implies). ``start``: as date_from."""
    one = dt.timedelta(days=1)

    def day(d: dt.date) -> tuple[dt.datetime, dt.datetime | None]:
        return (_midnight(d), _midnight(d + one)) if start else (_midnight(d + one), None)

    if text is None or text.strip().lower() == "all":
        return (_midnight(first), None) if start else (_midnight(anchor + one), None)
    value = text.strip().lower()
    if value == "today":
        return day(anchor)
    if value == "yesterday":
        return day(anchor - one)
    m = _PERIOD.match(value)
    if m:
        which, unit = m.group(1), m.group(2)
        first_day = period_start(anchor, unit)
        if which == "last":
            first_day = _shift(first_day, unit, -1)
            end = _midnight(_shift(first_day, unit, 1))
        else:
            end = _midnight(anchor + one)
        return (_midnight(first_day), end) if start else (end, None)
    m = _RELATIVE.match(value)
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        if unit == "h":
            moment = _midnight(anchor + one) - dt.timedelta(hours=n)
            return moment, None
        unit_name = {"d": "day", "w": "week", "m": "month", "y": "year"}[unit]
        bound = day(_shift(anchor, unit_name, -n))[0]
        return bound, None
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"{option}: {text!r} is not a date; use YYYY-MM-DD, -30d, -2w, -3m, -1y, today, "
            "yesterday, this|last week|month|quarter|year or all") from None
    if parsed.tzinfo is not None:
        raise ConfigError(f"{option}: {text!r}: give the time zone in date_range.timezone")
    is_date = len(text.strip()) <= 10
    if is_date:
        return day(parsed.date())[0], None
    return parsed, None


# -- intervals ---------------------------------------------------------------------------
def bucket_start(value: dt.datetime, interval: str) -> dt.datetime:
    """The start of the interval holding ``value`` (weeks start on Monday)."""
    if interval == "hour":
        return value.replace(minute=0, second=0, microsecond=0)
    return _midnight(period_start(value.date(), interval))


def step(value: dt.datetime, interval: str) -> dt.datetime:
    if interval == "hour":
        return value + dt.timedelta(hours=1)
    return _midnight(_shift(value.date(), interval, 1))


def buckets(rng: ResolvedRange, interval: str) -> list[dt.datetime]:
    """Every interval start from the one holding ``start`` to the one before ``end``."""
    out: list[dt.datetime] = []
    current = bucket_start(rng.start, interval)
    while current < rng.end:
        out.append(current)
        if len(out) > MAX_BUCKETS:
            raise ConfigError(f"interval: {interval} over {rng.start:%Y-%m-%d} .. "
                              f"{rng.last_day} makes more than {MAX_BUCKETS} points; "
                              "use a longer interval or a shorter date range")
        current = step(current, interval)
    return out


def label(value: dt.datetime, interval: str) -> str:
    """How a point's date is written in results: a date, or a time for hours."""
    return value.isoformat() if interval == "hour" else value.date().isoformat()


def trunc(local_time: exp.Expression, interval: str) -> exp.Expression:
    """``DATE_TRUNC(interval, t)`` (source dialect; every engine starts weeks on Monday)."""
    if interval not in INTERVALS:
        raise ConfigError(f"interval: unknown interval {interval!r}; use {', '.join(INTERVALS)}")
    return exp.func("DATE_TRUNC", exp.Literal.string(interval), local_time)


def range_predicate(scope_bind: object, rng: ResolvedRange) -> exp.Expression:
    """``e.event_time >= :from AND e.event_time < :to`` with the UTC bounds bound."""
    bind = scope_bind  # a Scope or a Binder: anything with bind()
    t = exp.column("event_time", "e")
    return exp.and_(exp.GTE(this=t, expression=bind.bind(rng.start_utc)),  # type: ignore[attr-defined]
                    exp.LT(this=t.copy(), expression=bind.bind(rng.end_utc)))  # type: ignore[attr-defined]
