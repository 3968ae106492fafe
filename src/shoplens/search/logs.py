"""The database's ``search_logs`` table into the ``search_logs`` index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from opensearchpy import OpenSearch

from shoplens.engines.base import Engine
from shoplens.search.bulk import BulkReport, bulk_index
from shoplens.search.indices import SEARCH_LOGS, ensure_index

_SELECT = """
SELECT search_id, user_id, search_query, clicked_product_ids, ts
FROM search_logs
ORDER BY search_id
"""


def _docs(engine: Engine) -> Iterator[tuple[str, dict[str, Any]]]:
    table = engine.fetch_arrow(_SELECT)
    for batch in table.to_batches(max_chunksize=50_000):
        cols = batch.to_pydict()
        for sid, uid, q, clicked, ts in zip(
            cols["search_id"],
            cols["user_id"],
            cols["search_query"],
            cols["clicked_product_ids"],
            cols["ts"],
            strict=True,
        ):
            yield (
                str(sid),
                {
                    "search_id": str(sid),
                    "user_id": str(uid),
                    "search_query": q,
                    "clicked_product_ids": [str(c) for c in clicked] if clicked else [],
                    "timestamp": ts.isoformat() if isinstance(ts, datetime) else str(ts),
                },
            )


def count_search_logs(engine: Engine) -> int:
    return int(engine.scalar("SELECT count(*) FROM search_logs") or 0)


def index_search_logs(
    engine: Engine,
    client: OpenSearch,
    *,
    index: str = SEARCH_LOGS,
    batch_size: int = 2000,
    max_retries: int = 3,
    on_progress: Callable[[int], None] | None = None,
) -> BulkReport:
    """Bulk-index every row of ``search_logs`` (document id = ``search_id``, so re-runs
    overwrite rather than duplicate). Returns the :class:`BulkReport`; rejected rows are in
    ``report.failures`` and the database is never modified."""
    ensure_index(client, SEARCH_LOGS, index=index)
    return bulk_index(
        client, index, _docs(engine), batch_size=batch_size, max_retries=max_retries, on_progress=on_progress
    )
