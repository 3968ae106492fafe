"""Index definitions: mappings live in ``mappings/<name>.json``; created idempotently."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from shoplens.errors import ConfigError
from shoplens.search.errors import SearchUnavailableError

SEARCH_LOGS = "search_logs"
USER_SEGMENTS = "user_segments"
USER_LISTS = "user_lists"  # saved user lists, e.g. a funnel's drop-offs
KNOWN = (SEARCH_LOGS, USER_SEGMENTS, USER_LISTS)


def index_body(name: str) -> dict[str, Any]:
    """Settings and mappings of index ``name`` (``search_logs`` or ``user_segments``)."""
    if name not in KNOWN:
        raise ConfigError(f"unknown index definition {name!r}; known: {', '.join(KNOWN)}")
    text = resources.files("shoplens.search.mappings").joinpath(f"{name}.json").read_text("utf-8")
    return json.loads(text)


def ensure_index(client: OpenSearch, name: str, *, index: str | None = None) -> bool:
    """Create ``index`` (default: ``name``) with the mapping of ``name`` unless it exists.

    Returns True when the index was created. An existing index whose mapping lacks a
    field of ours is reported, since documents would then be rejected or mis-typed.
    """
    target = index or name
    body = index_body(name)
    try:
        if client.indices.exists(index=target):
            current = client.indices.get_mapping(index=target)
            props = next(iter(current.values()))["mappings"].get("properties", {})
            missing = sorted(set(body["mappings"]["properties"]) - set(props))
            if missing:
                raise ConfigError(
                    f"index {target!r} exists with a different mapping (missing {', '.join(missing)}); "
                    f"delete it or choose another index name"
                )
            return False
        client.indices.create(index=target, body=body)
        return True
    except OSConnectionError as exc:
        raise SearchUnavailableError(
            f"search engine not reachable while creating {target!r}: {exc.error}"
        ) from exc
    except TransportError as exc:
        if exc.error == "resource_already_exists_exception":
            return False
        raise SearchUnavailableError(
            f"cannot create index {target!r}: {exc.status_code} {exc.error} {exc.info}"
        ) from exc


def count(client: OpenSearch, index: str, query: dict[str, Any] | None = None) -> int:
    body = {"query": query} if query else None
    return int(client.count(index=index, body=body)["count"])


def refresh(client: OpenSearch, index: str) -> None:
    client.indices.refresh(index=index)
