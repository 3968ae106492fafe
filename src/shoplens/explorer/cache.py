"""Results kept by query document and data version, computed once however many ask.

The key is the query's canonical JSON (sorted keys) plus the data version of
:meth:`shoplens.explorer.datasource.DataSource.version`: a new load changes the version,
so every result computed before it is never served again (and ages out of the LRU).
Requests for a key being computed wait for that computation instead of starting their
own (twenty users opening the same dashboard run each query once).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


def cache_key(kind: str, doc: Any, version: tuple) -> str:
    """A stable key: kind, canonical JSON of ``doc`` and the data version."""
    return json.dumps([kind, doc, list(version)], sort_keys=True, separators=(",", ":"),
                      default=str)


class ResultCache:
    """A thread-safe LRU of computed results with single-flight computation."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._pending: dict[str, Future] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """The value for ``key`` and whether it came from the cache.

        An exception in ``compute`` is raised to every waiter and nothing is stored.
        """
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key], True
            future = self._pending.get(key)
            owner = future is None
            if owner:
                future = self._pending[key] = Future()
                self.misses += 1
        assert future is not None
        if not owner:
            return future.result(), True
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                self._pending.pop(key, None)
            future.set_exception(exc)
            raise
        with self._lock:
            self._pending.pop(key, None)
            self._data[key] = value
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        future.set_result(value)
        return value, False

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
