"""What every part of one load shares: the :class:`LoadContext` (engine, scratch
database, quarantine, what the load saw) and the :class:`BackgroundWriter` that appends
to the target while the next batch is parsed. The sinks and the derived tables both use
it; neither imports the other for it."""

from __future__ import annotations

import collections
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from shoplens.engines import Engine
from shoplens.ingest.quarantine import Quarantine
from shoplens.ingest.scratch import Scratch
from shoplens.ingest.seen import SeenIds


class BackgroundWriter:
    """Appends to the target on a second thread, so that the target's bulk path (COPY on
    PostgreSQL, a parallel insert on DuckDB) overlaps with parsing the next batch. The
    queue holds at most one batch (bounded memory); the first error is re-raised on
    the load's thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue: queue.Queue[tuple[str, pa.Table] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def submit(self, table: str, data: pa.Table) -> None:
        self._raise()
        if data.num_rows == 0:
            return
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="shoplens-load-writer",
                                           daemon=True)
            self.thread.start()
        self.queue.put((table, data))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            try:
                if self.error is None:
                    self.engine.append_arrow(*item)
            except BaseException as exc:  # re-raised on the load's thread
                self.error = exc
            finally:
                self.queue.task_done()
        self.queue.task_done()

    def sync(self) -> None:
        """Wait until everything submitted is written."""
        if self.thread is not None:
            self.queue.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None


@dataclass
class LoadContext:
    """What every sink of one load shares."""

    engine: Engine
    scratch: Scratch
    load_id: int
    strict: bool
    quarantine: Quarantine
    files: list[str]
    #: per target table and file: rows identical to rows already in the table
    already_present: dict[str, collections.Counter[int]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter))
    tables: set[str] = field(default_factory=set)
    min_time: datetime | None = None
    max_time: datetime | None = None
    early_events: int = 0
    early_first: tuple[str, int] | None = None
    writer: BackgroundWriter | None = None
    #: per kind of row: the ids this load has seen (the duplicate check's fast path)
    seen_ids: dict[str, SeenIds] = field(default_factory=dict)
    #: per merged table (users, products): rows inserted and existing rows updated
    merged: dict[str, dict[str, int]] = field(default_factory=dict)
    #: per users/products file: its rows inserted, updated, identical to the target's
    file_merge: dict[int, dict[str, int]] = field(default_factory=dict)

    def append(self, table: str, data: pa.Table) -> None:
        """Bulk-append in the background (see :class:`BackgroundWriter`)."""
        if self.writer is None:
            self.writer = BackgroundWriter(self.engine)
        self.writer.submit(table, data)

    def sync(self) -> None:
        """Before using the engine directly: wait for background appends."""
        if self.writer is not None:
            self.writer.sync()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def saw_times(self, col: pa.ChunkedArray | pa.Array) -> None:
        if len(col) == 0:
            return
        lo, hi = pc.min(col).as_py(), pc.max(col).as_py()
        if lo is not None:
            self.min_time = lo if self.min_time is None else min(self.min_time, lo)
            self.max_time = hi if self.max_time is None else max(self.max_time, hi)


__all__ = ["BackgroundWriter", "LoadContext"]
