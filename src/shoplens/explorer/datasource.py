"""The database as the explorer sees it: read-only connections opened per query,
the data version that keys the cache, a banner when the database is locked or gone,
and cancellation of running queries.

Each query opens its own connection and closes it when done, so two queries never
share (or wait for) one connection and a ``shoplens load`` in another process waits at
most for the queries running at that moment: DuckDB lets one process write a file only
while no other process holds it open, and the explorer holds it only while it reads.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shoplens.engines import Engine, connect
from shoplens.engines.base import redact
from shoplens.errors import ShopLensError

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
    """Read-only access to one database for many threads at once."""

    def __init__(self, url: str, *, query_timeout: float = 300.0) -> None:
        self.url = url
        self.query_timeout = query_timeout
        self._jobs: dict[str, tuple[Engine, set[str]]] = {}
        self._lock = threading.Lock()
        self._status = Status(True)
        self._version: tuple[float, tuple] | None = None

    @property
    def display_url(self) -> str:
        return redact(self.url)

    @contextmanager
    def engine(self, job: str | None = None) -> Iterator[Engine]:
        """A fresh read-only engine; ``job`` names it so :meth:`cancel` can interrupt it."""
        try:
            engine = connect(self.url, init=False, read_only=True)
        except Exception as exc:
            self._status = Status(False, _explain(exc, self.url))
            raise DatabaseUnavailable(self._status.message or "unavailable") from None
        self._status = Status(True)
        if job is not None:
            with self._lock:
                self._jobs[job] = (engine, set())
        timer = threading.Timer(self.query_timeout, self.cancel, args=(job,)) if job else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            yield engine
        except Exception as exc:
            if job is not None and "cancelled" in self._flags(job):
                raise QueryCancelled("the query was cancelled") from None
            if isinstance(exc, ShopLensError):
                raise
            if _is_connection_error(exc):
                self._status = Status(False, _explain(exc, self.url))
                raise DatabaseUnavailable(self._status.message or "unavailable") from None
            raise
        finally:
            if timer:
                timer.cancel()
            if job is not None:
                with self._lock:
                    self._jobs.pop(job, None)
            engine.close()

    def _flags(self, job: str) -> set[str]:
        with self._lock:
            entry = self._jobs.get(job)
            return set(entry[1]) if entry else set()

    def cancel(self, job: str | None) -> bool:
        """Interrupt the query running as ``job``; False when none is."""
        if job is None:
            return False
        with self._lock:
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

        A new load changes it, which invalidates every cached result.
        """
        now = time.monotonic()
        cached = self._version
        if cached is not None and now - cached[0] < max_age and self._status.ok:
            return cached[1]
        with self.engine() as engine:
            row = engine.fetch_all(_VERSION_SQL)[0]
        version = tuple(int(v) if v is not None else None for v in row)
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


def _is_connection_error(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in {"OperationalError", "IOException", "ConnectionException", "InterfaceError"}
