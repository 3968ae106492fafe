"""Reading every document back: scroll, never a capped first page.

``_search`` returns at most ``index.max_result_window`` (10,000) hits; a user's whole
search history needs all documents, so we page with the scroll API through
``opensearchpy.helpers.scan`` (served alike by Elasticsearch 8/9 and OpenSearch 2; the
point-in-time APIs differ between the two — ``_pit`` versus
``_search/point_in_time`` — so we keep to scroll). After the scan the number of hits
read is compared with ``_count`` for the same query, so a truncated read is an error,
not a silently smaller data set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from shoplens.errors import ShopLensError
from shoplens.search.errors import SearchUnavailableError, summarize


def scan_all(
    client: OpenSearch,
    index: str,
    *,
    query: dict[str, Any] | None = None,
    fields: list[str] | None = None,
    page_size: int = 5000,
    scroll: str = "2m",
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the ``_source`` of every document matching ``query`` (all of them).

    Raises :class:`ShopLensError` if the number read differs from ``_count``.
    """
    body: dict[str, Any] = {"query": query or {"match_all": {}}}
    try:
        expected = int(client.count(index=index, body=body)["count"])
        seen = 0
        for hit in helpers.scan(
            client,
            index=index,
            query=body,
            size=page_size,
            scroll=scroll,
            _source=fields if fields else True,
            clear_scroll=True,
            raise_on_error=True,
        ):
            seen += 1
            if on_progress and seen % page_size == 0:
                on_progress(page_size)
            yield hit["_source"]
    except NotFoundError as exc:
        raise ShopLensError(f"index {index!r} does not exist on the search engine") from exc
    except OSConnectionError as exc:
        raise SearchUnavailableError(
            f"search engine went away while reading {index!r}: {summarize(exc)}") from exc
    except TransportError as exc:
        raise SearchUnavailableError(f"reading {index!r} failed: {summarize(exc)}") from exc
    if on_progress and seen % page_size:
        on_progress(seen % page_size)
    if seen != expected:
        raise ShopLensError(
            f"read {seen} documents from {index!r} but _count says {expected}: the index changed "
            f"during the read or the scroll was cut short; run again"
        )


def search_history(
    client: OpenSearch, index: str = "search_logs", *, on_progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """Every search of every user as a frame ``user_id, search_query`` (one row per search)."""
    users: list[str] = []
    queries: list[str] = []
    for src in scan_all(client, index, fields=["user_id", "search_query"], on_progress=on_progress):
        users.append(str(src["user_id"]))
        queries.append(str(src.get("search_query") or ""))
    return pd.DataFrame(
        {"user_id": pd.Series(users, dtype="string"), "search_query": pd.Series(queries, dtype="string")}
    )
