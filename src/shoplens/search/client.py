"""Connecting to an Elasticsearch/OpenSearch cluster from a URL.

ShopLens speaks the REST API subset Elasticsearch 8/9 and OpenSearch 2 both serve
(index creation with mappings, ``_bulk``, ``_search`` with bool/term/range/match/
query_string, aggregations, scroll, ``_count``, ``_delete_by_query``) through
``opensearch-py``. The URL carries everything: ``https://user:pass@host:9200`` for basic
auth over TLS. Certificates are verified by default; ``SHOPLENS_SEARCH_CA`` names a CA
bundle and ``SHOPLENS_SEARCH_VERIFY=0`` turns verification off (self-signed test
clusters only). ``SHOPLENS_SEARCH_API_KEY`` sends an ``Authorization: ApiKey ...`` header.
"""

from __future__ import annotations

import contextlib
import os
from urllib.parse import unquote, urlsplit, urlunsplit

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from shoplens.engines.base import redact
from shoplens.errors import ConfigError
from shoplens.search.errors import SearchUnavailableError, summarize

SEARCH_ENV = "SHOPLENS_SEARCH"


def search_url_from_env() -> str | None:
    """The search URL from ``SHOPLENS_SEARCH``, or None (use the bundled server)."""
    return os.environ.get(SEARCH_ENV) or None


def connect_search(url: str, *, timeout: float = 30.0, check: bool = True) -> OpenSearch:
    """An ``OpenSearch`` client for ``url``; with ``check``, fail now if it is unreachable.

    Parameters
    ----------
    url
        ``http(s)://[user:password@]host[:port][/path-prefix]``.
    timeout
        Per-request timeout in seconds.
    check
        Ping the cluster (``GET /``) and raise :class:`SearchUnavailableError` naming the
        URL (password redacted) if it does not answer.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--search: expected http(s)://host:port, got {redact(url)!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 9200)
    except ValueError:
        raise ConfigError(f"--search: the port of {redact(url)!r} is not a number from 1 to "
                          "65535") from None
    host: dict[str, object] = {"host": parts.hostname, "port": port}
    if parts.path and parts.path != "/":
        host["url_prefix"] = parts.path
    kwargs: dict[str, object] = {
        "hosts": [host],
        "use_ssl": parts.scheme == "https",
        "timeout": timeout,
        "max_retries": 2,
        "retry_on_timeout": True,
    }
    if parts.username:
        kwargs["http_auth"] = (unquote(parts.username), unquote(parts.password or ""))
    api_key = os.environ.get("SHOPLENS_SEARCH_API_KEY")
    if api_key:
        kwargs["headers"] = {"Authorization": f"ApiKey {api_key}"}
    if parts.scheme == "https":
        verify = os.environ.get("SHOPLENS_SEARCH_VERIFY", "1").lower() not in ("0", "false", "no")
        kwargs["verify_certs"] = verify
        kwargs["ssl_show_warn"] = verify
        ca = os.environ.get("SHOPLENS_SEARCH_CA")
        if ca:
            kwargs["ca_certs"] = ca
    client = OpenSearch(**kwargs)
    if check:
        ping(client, url)
    return client


def ping(client: OpenSearch, url: str = "") -> dict:
    """``GET /`` on the cluster; a clear :class:`SearchUnavailableError` if it fails."""
    where = redact(url) if url else "the search engine"
    try:
        return client.info()
    except OSConnectionError as exc:
        raise SearchUnavailableError(
            f"search engine at {where} is not reachable ({summarize(exc)}); start it, fix --search/"
            f"{SEARCH_ENV}, or leave both unset to use the bundled osmem-server"
        ) from exc
    except TransportError as exc:
        raise SearchUnavailableError(
            f"search engine at {where} answered {summarize(exc)}"
        ) from exc


def display_url(url: str) -> str:
    """URL without credentials (user info, secret query parameters), for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        with contextlib.suppress(ValueError):
            if parts.port:
                netloc += f":{parts.port}"
        return redact(urlunsplit(parts._replace(netloc=netloc)), url)
    return redact(url)
