"""Compiled statements kept between queries while the data they were compiled from stays.

Compiling a query costs tens of milliseconds of Python (SQLGlot builds, copies and
prints the trees; the property catalogue scans ``events`` for its event names when the
taxonomy is not stored), often more than reading the answer from the rollups. What a
compile reads from the database changes only when data is loaded, the catalogue or the
taxonomy changes or segments are stored, so the compiled statement of one query
document is the same until then: :func:`cached` keeps it, keyed by the document and
its resolved date range (the trends runner's raw statement; the planner keeps its own
plans the same way), per engine and **data version** (:func:`data_version`):

- ``rollup_state`` (fingerprint of the events and the time the rollups were last
  brought up to date): every ``shoplens load``, taxonomy re-application and catalogue
  update writes it (:mod:`shoplens.metrics.rollups`,
  :func:`shoplens.metrics.revenue_rollups.refresh_catalogue`);
- whether ``user_segments`` and ``event_taxonomy`` exist (the catalogue's properties and
  how event references compile depend on them).

Events written without ``shoplens load`` leave the version unchanged: they are not seen
by the planner either until :func:`shoplens.metrics.rollups.ensure_fresh` runs, which
writes ``rollup_state``. Without rollups there is no version and nothing is cached.
The same fingerprint holds the first and last event time, which anchors relative dates
(:attr:`View.bounds`) without a ``MIN``/``MAX`` scan of ``events`` per query.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from shoplens.engines import Engine
from shoplens.insights.properties import Catalogue

T = TypeVar("T")

#: compiled statements kept per engine (least recently used dropped first)
MAX_ENTRIES = 256
_LOCK = threading.Lock()


@dataclass
class _EngineCache:
    version: tuple[Any, ...]
    catalogue: Catalogue
    entries: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)


_enabled = True
_CACHES: weakref.WeakKeyDictionary[Engine, _EngineCache] = weakref.WeakKeyDictionary()
#: engines whose ``rollup_state`` table was seen (never dropped once created)
_STATE_SEEN: weakref.WeakSet[Engine] = weakref.WeakSet()


def data_version(engine: Engine) -> tuple[Any, ...] | None:
    """What a compile depends on, in two small reads; None: no rollups, no caching."""
    if engine not in _STATE_SEEN:
        if not engine.table_exists("rollup_state"):
            return None
        _STATE_SEEN.add(engine)
    rows = engine.fetch_all("SELECT events_fp, CAST(built_at AS TEXT) FROM rollup_state")
    if len(rows) != 1:
        return None
    return (tuple(str(v) for v in rows[0]), *_tables(engine))


def _tables(engine: Engine) -> tuple[bool, bool]:
    """Whether ``user_segments`` and ``event_taxonomy`` exist, in one read where the
    engine has ``information_schema`` (a read of it costs milliseconds on DuckDB)."""
    try:
        found = {str(r[0]) for r in engine.fetch_all(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() "
            "AND table_name IN ('user_segments', 'event_taxonomy')")}
    except Exception:  # no information_schema (Spark): ask the engine's catalog
        return engine.table_exists("user_segments"), engine.table_exists("event_taxonomy")
    return "user_segments" in found, "event_taxonomy" in found


def set_enabled(enabled: bool) -> bool:
    """Turn the cache on or off (benchmarks compare both); returns the previous state.
    What was kept stays for when it is on again (each entry still checks its version)."""
    global _enabled
    previous, _enabled = _enabled, enabled
    return previous


def _current(engine: Engine) -> _EngineCache | None:
    version = data_version(engine) if _enabled else None
    if version is None:
        return None
    with _LOCK:
        entry = _CACHES.get(engine)
        if entry is None or entry.version != version:
            cat = Catalogue(engine)
            # answered by the version's own read (cached properties of the catalogue)
            cat.__dict__["has_segments"], cat.__dict__["has_taxonomy"] = version[1:]
            entry = _EngineCache(version, cat)
            _CACHES[engine] = entry
        return entry


@dataclass
class View:
    """One engine's cache at its current data version (read once per query)."""

    engine: Engine
    entry: _EngineCache | None

    @property
    def catalogue(self) -> Catalogue:
        """The property catalogue shared by the queries of this data version (its event
        names and property sample are read once); a fresh one without rollups."""
        return self.entry.catalogue if self.entry is not None else Catalogue(self.engine)

    @property
    def bounds(self) -> tuple[datetime, datetime] | None:
        """The first and last event time as the rollups' fingerprint recorded them (what
        relative dates are anchored on), or None: ``MIN``/``MAX`` over ``events``
        answers (a full scan on PostgreSQL without an index on ``event_time``)."""
        if self.entry is None:
            return None
        parts = str(self.entry.version[0][0]).split("|")  # count|first|last|ids
        if len(parts) != 4 or not parts[1] or not parts[2]:
            return None
        return datetime.fromisoformat(parts[1]), datetime.fromisoformat(parts[2])

    def cached(self, key: Hashable, build: Callable[[Catalogue], T]) -> T:
        """``build(catalogue)``'s result for ``key`` in this data version, built once.
        ``key`` names everything else the result depends on (the query document, the
        resolved range, the planner)."""
        entry = self.entry
        if entry is None:
            return build(Catalogue(self.engine))
        with _LOCK:
            if key in entry.entries:
                entry.entries.move_to_end(key)
                return entry.entries[key]
        value = build(entry.catalogue)
        with _LOCK:
            entry.entries[key] = value
            while len(entry.entries) > MAX_ENTRIES:
                entry.entries.popitem(last=False)
        return value


_ACTIVE: contextvars.ContextVar[View | None] = contextvars.ContextVar("compile_view",
                                                                    default=None)


def view(engine: Engine) -> View:
    """The engine's cache at its current data version (see :class:`View`); inside
    :func:`active`, the view it holds (the version is read once per query)."""
    held = _ACTIVE.get()
    if held is not None and held.engine is engine:
        return held
    return View(engine, _current(engine))


@contextlib.contextmanager
def active(held: View) -> Iterator[View]:
    """Answer :func:`view` with ``held`` inside the block (one query's compile and plan)."""
    token = _ACTIVE.set(held)
    try:
        yield held
    finally:
        _ACTIVE.reset(token)


def cached(engine: Engine, key: Hashable, build: Callable[[Catalogue], T]) -> T:
    """:meth:`View.cached` at the engine's current data version."""
    return view(engine).cached(key, build)


def clear(engine: Engine | None = None) -> None:
    """Forget the compiled statements of ``engine`` (None: of every engine)."""
    with _LOCK:
        if engine is None:
            _CACHES.clear()
        else:
            _CACHES.pop(engine, None)
