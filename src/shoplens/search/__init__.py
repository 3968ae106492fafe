"""The search-engine layer: Elasticsearch/OpenSearch through ``opensearch-py``.

- :func:`connect_search` — a client from a URL (``--search`` / ``SHOPLENS_SEARCH``);
- :class:`BundledServer` — an ``osmem-server`` on a free loopback port when no URL is given;
- :func:`search_session` — either of the two as one context manager;
- :func:`ensure_index` — indices from the JSON mappings in ``mappings/``;
- :func:`bulk_index` — batches, retries and a failure report;
- :func:`scan_all` / :func:`search_history` — every document back, by scroll;
- :func:`query_string` — ``segment:bargain_hunters AND country:FR``;
- :func:`index_search_logs` — the ``search_logs`` table of the database into the index.
"""

from __future__ import annotations

from shoplens.search.bulk import BulkFailure, BulkReport, bulk_index
from shoplens.search.client import SEARCH_ENV, connect_search, ping, search_url_from_env
from shoplens.search.errors import BulkIndexError, SearchUnavailableError
from shoplens.search.indices import SEARCH_LOGS, USER_SEGMENTS, count, ensure_index, index_body
from shoplens.search.logs import index_search_logs
from shoplens.search.query import SearchResult, query_string
from shoplens.search.retrieve import scan_all, search_history
from shoplens.search.server import BundledServer
from shoplens.search.session import SearchSession, search_session

__all__ = [
    "SEARCH_ENV",
    "SEARCH_LOGS",
    "USER_SEGMENTS",
    "BulkFailure",
    "BulkIndexError",
    "BulkReport",
    "BundledServer",
    "SearchResult",
    "SearchSession",
    "SearchUnavailableError",
    "bulk_index",
    "connect_search",
    "count",
    "ensure_index",
    "index_body",
    "index_search_logs",
    "ping",
    "query_string",
    "scan_all",
    "search_history",
    "search_session",
    "search_url_from_env",
]
