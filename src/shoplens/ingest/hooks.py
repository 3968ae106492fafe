"""Work that runs inside every load's transaction, after its rows are in.

Capabilities that keep derived tables (the metrics rollups, for one) list a hook here
as ``"module:function"``; each is called as ``fn(engine, load)`` with the
:class:`LoadScope` of the load, so derived data is maintained incrementally and commits
or rolls back together with the rows it derives from.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from shoplens.engines import Engine


@dataclass(frozen=True)
class LoadScope:
    """What a load touched: enough for a hook to refresh only that part."""

    load_id: int
    tables: frozenset[str] = field(default_factory=frozenset)
    min_time: datetime | None = None  # earliest event/order/search time loaded
    max_time: datetime | None = None


# "module:function" entries, run in order. A capability adds its own line.
POST_LOAD_HOOKS: list[str] = [
    "shoplens.events.apply:apply_after_load",  # first: the rollups read event_type
    "shoplens.metrics.rollups:refresh_after_load",
    "shoplens.cohorts.rollup:refresh_after_load",
]


def resolve(spec: str) -> Callable[[Engine, LoadScope], None]:
    module, _, func = spec.partition(":")
    return getattr(importlib.import_module(module), func)


def run_post_load(engine: Engine, scope: LoadScope) -> None:
    for spec in POST_LOAD_HOOKS:
        resolve(spec)(engine, scope)
