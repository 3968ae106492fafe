"""The database as the explorer sees it: a small pool of read-only connections, the
data version that keys the cache, a banner when the database is locked or gone, and
cancellation of running queries.

Each query takes a read-only engine of its own from the pool (two queries never share
one, so neither waits for the other) and gives it back when done. An engine that has
been idle for ``idle_release`` seconds is closed, so the explorer holds a DuckDB file
only while it is being used and a ``shoplens load`` in another process can take it a
moment after the last click (DuckDB lets one process write a file only while no other
process holds it open). Reusing engines saves the open (20-180 ms for DuckDB, a TCP and
authentication round trip for PostgreSQL) and keeps each engine's own memo of what the
database holds; a new data version empties the pool.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shoplens.engines import Engine, connect
from shoplens.engines.base import redact
from shoplens.errors import ConnectionLostError, ShopLensError

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_VERSION_SQL = ("SELECT (SELECT count(*) FROM loads) AS n, (SELECT max(load_id) FROM loads) AS last,"
                " (SELECT count(*) FROM events) AS events")


class DatabaseUnavailable(ShopLensError):
    """The database cannot be read right now (locked by a load, moved, server down)."""


class QueryCancelled(ShopLensError):
    """The user (or the time limit) cancelled the query."""


@dataclass(frozen=True)
class Status:
    ok: bool
    message: str | None = None


def _explain(exc: Exception, url: str) -> str:
    text = str(exc)
    low = text.lower()
    if "lock" in low or "conflicting" in low:
        return ("the database is locked, probably by a running `shoplens load`; "
                "pages will recover when it finishes")
    if "does not exist" in low or "no such file" in low or "cannot open" in low:
        return f"the database {redact(url)} is not there (moved or deleted?)"
    return f"the database {redact(url)} cannot be read: {redact(text)[:300]}"


class DataSource:
    """Read-only access to one database for many threads at once.

    Parameters
    ----------
    url
        The database (opened read-only, never written).
    query_timeout
        Seconds a named query (a ``job``) may run before it is cancelled.
    idle_release
        Seconds an unused engine stays open (0: closed as soon as it is given back).
    max_idle
        Engines kept open for reuse at most; more may run at once.
    """

    def __init__(self, url: str, *, query_timeout: float = 300.0, idle_release: float = 2.0,
                 max_idle: int = 8) -> None:
        self.url = url
        self.query_timeout = query_timeout
        self.idle_release = idle_release
        self.max_idle = max_idle
        self._jobs: dict[str, tuple[Engine, set[str]]] = {}
        self._lock = threading.Lock()
        self._status = Status(True)
        self._version: tuple[float, tuple] | None = None
        self._idle: list[tuple[Engine, float]] = []  # (engine, when it was given back)
        self._in_use = 0
        self._reaper: threading.Thread | None = None
        self._closed = False
        self.opened = 0  # engines opened so far (the pool's hit rate, for /api/status)

    @property
    def display_url(self) -> str:
        return redact(self.url)

    # -- the pool ---------------------------------------------------------------------
    def _take(self) -> Engine:
        with self._lock:
            if self._closed:
                raise DatabaseUnavailable("the explorer is shutting down")
            self._in_use += 1
            if self._idle:
                return self._idle.pop()[0]
        try:
            engine = connect(self.url, init=False, read_only=True)
        except Exception as exc:
            with self._lock:
                self._in_use -= 1
            self._status = Status(False, _explain(exc, self.url))
            raise DatabaseUnavailable(self._status.message or "unavailable") from None
        with self._lock:
            self.opened += 1
        return engine

    def _give_back(self, engine: Engine, reusable: bool) -> None:
        with self._lock:
            self._in_use -= 1
            keep = (reusable and not self._closed and self.idle_release > 0
                    and len(self._idle) < self.max_idle)
            if keep:
                self._idle.append((engine, time.monotonic()))
                if self._reaper is None:
                    self._reaper = threading.Thread(target=self._reap, name="explorer-pool",
                                                    daemon=True)
                    self._reaper.start()
        if not keep:
            _close(engine)

    def _reap(self) -> None:
        """Close engines idle for longer than ``idle_release``; stop when none is left."""
        while True:
            time.sleep(min(0.25, self.idle_release / 4))
            now = time.monotonic()
            with self._lock:
                old = [e for e, t in self._idle if now - t >= self.idle_release]
                self._idle = [(e, t) for e, t in self._idle if now - t < self.idle_release]
                done = not self._idle
                if done:
                    self._reaper = None
            for engine in old:
                _close(engine)
            if done:
                return

    def release(self) -> None:
        """Close every idle engine now (a running query keeps its own until it ends)."""
        with self._lock:
            old, self._idle = [e for e, _ in self._idle], []
        for engine in old:
            _close(engine)

    def close(self) -> None:
        """Shut down: cancel every running query and close every engine."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs)
        for job in jobs:
            self.cancel(job)
        self.release()

    @property
    def pool(self) -> dict[str, int]:
        """Engines open and idle, in use, and opened since start."""
        with self._lock:
            return {"idle": len(self._idle), "in_use": self._in_use, "opened": self.opened}

    @contextmanager
    def engine(self, job: str | None = None) -> Iterator[Engine]:
        """A read-only engine for this thread alone; ``job`` names it so :meth:`cancel`
        can interrupt it."""
        engine = self._take()
        self._status = Status(True)
        if job is not None:
            with self._lock:
                self._jobs[job] = (engine, set())
        timer = threading.Timer(self.query_timeout, self.cancel, args=(job,)) if job else None
        if timer:
            timer.daemon = True
            timer.start()
        reusable = False
        try:
            yield engine
            reusable = True
        except Exception as exc:
            if job is not None and "cancelled" in self._flags(job):
                raise QueryCancelled("the query was cancelled") from None
            if isinstance(exc, ConnectionLostError) or (
                    not isinstance(exc, ShopLensError) and _is_connection_error(exc)):
                self._status = Status(False, _explain(exc, self.url))
                raise DatabaseUnavailable(self._status.message or "unavailable") from None
            # a query that failed leaves the engine as it was (autocommit, every statement
            # read-only), but a fresh one costs little next to an error page
            raise
        finally:
            if timer:
                timer.cancel()
            if job is not None:
                with self._lock:  # after this, cancel() can no longer reach the engine
                    entry = self._jobs.pop(job, None)
                    reusable = reusable and not (entry and entry[1])
            self._give_back(engine, reusable)

    def _flags(self, job: str) -> set[str]:
        with self._lock:
            entry = self._jobs.get(job)
            return set(entry[1]) if entry else set()

    def cancel(self, job: str | None) -> bool:
        """Interrupt the query running as ``job``; False when none is."""
        if job is None:
            return False
        with self._lock:  # held while interrupting: the engine cannot go back to the pool
            entry = self._jobs.get(job)
            if entry is None:
                return False
            entry[1].add("cancelled")
            entry[0].interrupt()
        return True

    def running(self) -> list[str]:
        with self._lock:
            return sorted(self._jobs)

    def version(self, max_age: float = 1.0) -> tuple:
        """The data version: loads count, last load id and event count (cached ``max_age`` s).

        A new load changes it, which invalidates every cached result and empties the pool
        (engines opened before the load may keep a memo of the old data).
        """
        now = time.monotonic()
        cached = self._version
        if cached is not None and now - cached[0] < max_age and self._status.ok:
            return cached[1]
        with self.engine() as engine:
            row = engine.fetch_all(_VERSION_SQL)[0]
        version = tuple(int(v) if v is not None else None for v in row)
        if cached is not None and cached[1] != version:
            self.release()
        self._version = (now, version)
        return version

    def status(self) -> Status:
        """Probe the database now (a banner shows while it is unavailable)."""
        try:
            self.version(max_age=0.0)
        except DatabaseUnavailable:
            pass
        except Exception as exc:  # e.g. tables missing: not a ShopLens database yet
            self._status = Status(False, _explain(exc, self.url))
        return self._status

    @property
    def last_status(self) -> Status:
        return self._status


def _close(engine: Engine) -> None:
    with contextlib.suppress(Exception):  # a connection the server already dropped
        engine.close()


def _is_connection_error(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in {"OperationalError", "IOException", "ConnectionException", "InterfaceError"}
