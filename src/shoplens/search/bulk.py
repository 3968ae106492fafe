"""Bulk indexing in batches, with progress, retries and a report of what failed.

Each batch goes out as one ``_bulk`` request through ``opensearchpy.helpers.streaming_bulk``.
Items the server rejects as *temporary* (429 too many requests, 503) are retried with
exponential back-off, up to ``max_retries``; items rejected for good (a mapping conflict,
400 ``mapper_parsing_exception``) are collected, with the server's reason, in
:class:`BulkReport.failures`. A connection that drops mid-way raises
:class:`SearchUnavailableError` carrying how many documents had been acknowledged: the
database is never touched by indexing, so nothing is lost and a re-run (documents have
stable ids) completes the index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from shoplens.search.errors import SearchUnavailableError, summarize

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class BulkFailure:
    """One document the server rejected for good."""

    doc_id: str | None
    status: int
    error_type: str
    reason: str


@dataclass
class BulkReport:
    index: str
    indexed: int = 0
    retried: int = 0
    batches: int = 0
    failures: list[BulkFailure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self, limit: int = 5) -> str:
        text = f"{self.indexed} indexed into {self.index!r}, {self.failed} failed"
        if self.retried:
            text += f", {self.retried} retried"
        for f in self.failures[:limit]:
            text += f"\n  id {f.doc_id}: {f.status} {f.error_type}: {f.reason}"
        if self.failed > limit:
            text += f"\n  ... and {self.failed - limit} more"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "indexed": self.indexed,
            "failed": self.failed,
            "retried": self.retried,
            "batches": self.batches,
            "failures": [f.__dict__ for f in self.failures[:100]],
        }


def bulk_index(
    client: OpenSearch,
    index: str,
    docs: Iterable[tuple[str, dict[str, Any]]],
    *,
    batch_size: int = 2000,
    max_retries: int = 3,
    backoff: float = 0.5,
    refresh: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> BulkReport:
    """Index ``(doc_id, source)`` pairs into ``index``; returns a :class:`BulkReport`.

    ``on_progress(n)`` is called with the number of documents finished (indexed or
    failed) after each item. Permanent rejections never raise: read ``report.failures``.
    """
    report = BulkReport(index=index)
    for batch in _batches(docs, batch_size):
        _send_batch(
            client, index, batch, report, max_retries=max_retries, backoff=backoff, on_progress=on_progress
        )
        report.batches += 1
    if refresh:
        try:
            client.indices.refresh(index=index)
        except (OSConnectionError, TransportError) as exc:
            raise SearchUnavailableError(
                f"cannot refresh {index!r} after indexing: {summarize(exc)}") from exc
    return report


def _batches(docs: Iterable[tuple[str, dict[str, Any]]], size: int) -> Iterator[list[tuple[str, dict]]]:
    batch: list[tuple[str, dict]] = []
    for item in docs:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _send_batch(
    client: OpenSearch,
    index: str,
    batch: list[tuple[str, dict]],
    report: BulkReport,
    *,
    max_retries: int,
    backoff: float,
    on_progress: Callable[[int], None] | None,
) -> None:
    pending = batch
    for attempt in range(max_retries + 1):
        actions = (
            {"_op_type": "index", "_index": index, "_id": doc_id, "_source": src} for doc_id, src in pending
        )
        retry: list[tuple[str, dict]] = []
        by_id = {doc_id: src for doc_id, src in pending}
        try:
            for ok, item in helpers.streaming_bulk(
                client,
                actions,
                chunk_size=len(pending) or 1,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=0,
            ):
                info = next(iter(item.values()))
                doc_id = info.get("_id")
                if ok:
                    report.indexed += 1
                elif int(info.get("status", 0)) in RETRYABLE_STATUS and attempt < max_retries:
                    retry.append((doc_id, by_id[doc_id]))
                    continue
                else:
                    err = info.get("error") or {}
                    if isinstance(err, dict):
                        etype, reason = str(err.get("type", "error")), str(err.get("reason", err))
                    else:
                        etype, reason = "error", str(err)
                    report.failures.append(BulkFailure(doc_id, int(info.get("status", 0)), etype, reason))
                if on_progress:
                    on_progress(1)
        except (OSConnectionError, ConnectionTimeout) as exc:
            if attempt < max_retries:
                time.sleep(backoff * 2**attempt)
                report.retried += len(pending)
                continue  # the whole batch again; ids are stable, so re-sends overwrite
            raise SearchUnavailableError(
                f"search engine went away while indexing {index!r} after {report.indexed} documents "
                f"({summarize(exc)}); the database is unchanged — re-run to complete the index"
            ) from exc
        except TransportError as exc:  # a whole-request rejection (e.g. 413, 401)
            if int(exc.status_code or 0) in RETRYABLE_STATUS and attempt < max_retries:
                time.sleep(backoff * 2**attempt)
                report.retried += len(pending)
                continue
            raise SearchUnavailableError(
                f"search engine rejected a bulk request to {index!r}: {summarize(exc)}"
            ) from exc
        if not retry:
            return
        report.retried += len(retry)
        pending = retry
        time.sleep(backoff * 2**attempt)
