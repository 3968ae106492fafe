"""Finding documents with a query string (``segment:bargain_hunters AND country:FR``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

from shoplens.errors import ConfigError, ShopLensError
from shoplens.search.errors import SearchUnavailableError, summarize


@dataclass(frozen=True)
class SearchResult:
    """``total`` matches (exact count); ``hits`` are the first ``size`` sources, sorted by id."""

    query: str
    total: int
    hits: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": self.hits}


def query_string(
    client: OpenSearch,
    query: str,
    *,
    index: str = "user_segments",
    size: int = 20,
    sort_field: str = "user_id",
) -> SearchResult:
    """Run a Lucene query string (``field:value AND ...``) against ``index``.

    The total is exact (``track_total_hits``); hits are sorted by ``sort_field`` so the
    page is reproducible. A malformed query raises :class:`ConfigError` with the
    server's reason.
    """
    if not query.strip():
        raise ConfigError("search: empty query; e.g. 'segment:bargain_hunters AND country:FR'")
    body = {
        "query": {"query_string": {"query": query, "default_operator": "AND"}},
        "size": size,
        "track_total_hits": True,
        "sort": [{sort_field: "asc"}],
    }
    try:
        resp = client.search(index=index, body=body)
    except NotFoundError as exc:
        raise ShopLensError(f"index {index!r} does not exist: run `shoplens segment` first") from exc
    except RequestError as exc:
        raise ConfigError(f"search: the engine rejected query {query!r}: "
                          f"{summarize(exc)}") from exc
    except OSConnectionError as exc:
        raise SearchUnavailableError(f"search engine not reachable: {summarize(exc)}") from exc
    except TransportError as exc:
        raise SearchUnavailableError(f"search failed: {summarize(exc)}") from exc
    total = resp["hits"]["total"]
    total = int(total["value"] if isinstance(total, dict) else total)
    return SearchResult(query, total, [h["_source"] for h in resp["hits"]["hits"]])
