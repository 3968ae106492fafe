"""Streaming batches from the scratch DuckDB: grouped into large tables, numbered in file
order where the reader cannot number them, and parsed one batch ahead on a second thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

#: rows per batch streamed from the scratch DuckDB to the target. Memory beyond both
#: databases' limits grows with it (DuckDB's Arrow results and the batches between the
#: parse, the checks and the writer): a 10 M-row mapped load into DuckDB peaked at
#: 2,060-2,113 MiB with 2^20 rows and 1,834 MiB with 2^19, for the same CPU seconds
#: (44.5 and 44.8; 2 M-row built-in loads 6.3-6.6 against 6.6-6.8 CPU-s)
BATCH_ROWS = 1 << 19

class Prefetched:
    """Runs an iterator on a second thread, one item ahead: DuckDB parses the next batch
    while this thread checks and writes the current one. The first error is re-raised
    here; leaving early stops the thread."""

    _DONE = object()

    def __init__(self, items: Iterator[pa.Table]) -> None:
        self.items = items
        self.queue: queue.Queue[object] = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="shoplens-parse", daemon=True)
        self.thread.start()

    def _put(self, item: object) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self.items:
                if not self._put(item):
                    return
        except BaseException as exc:  # re-raised on the consuming thread
            self._put(exc)
            return
        self._put(self._DONE)

    def __iter__(self) -> Iterator[pa.Table]:
        try:
            while True:
                item = self.queue.get()
                if item is self._DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            self.stop.set()
            self.thread.join()


def prefetched(items: Iterator[pa.Table]) -> Iterator[pa.Table]:
    return iter(Prefetched(items))


def numbered(tables: Iterator[pa.Table], first: int) -> Iterator[pa.Table]:
    """Set ``_line`` of rows that arrive in file order: ``first``, ``first + 1``, …"""
    line = first
    for table in tables:
        n = table.num_rows
        table = table.set_column(table.schema.get_field_index("_line"), "_line",
                                 pa.array(np.arange(line, line + n, dtype=np.int64)))
        line += n
        yield table


def rebatched(reader: pa.RecordBatchReader) -> Iterator[pa.Table]:
    """DuckDB hands out small chunks; group them so per-batch work is paid rarely."""
    pending: list[pa.RecordBatch] = []
    n = 0
    for batch in reader:
        pending.append(batch)
        n += batch.num_rows
        if n >= BATCH_ROWS:
            yield pa.Table.from_batches(pending)
            pending, n = [], 0
    if pending:
        yield pa.Table.from_batches(pending)
