"""The search-engine layer against a real osmem-server process on 127.0.0.1."""

from __future__ import annotations

import base64
import socket
import urllib.request

import pandas as pd
import pytest
from opensearchpy import OpenSearch

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.search import (
    BundledServer,
    SearchUnavailableError,
    bulk_index,
    connect_search,
    ensure_index,
    index_search_logs,
    query_string,
    scan_all,
    search_history,
    search_session,
)
from shoplens.search.server import free_port

HOSTILE = "O'Brien's \"best\" 100% laptop"


def _search_rows(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "search_id": range(1, n + 1),
            "user_id": [str(100 + i % 7) for i in range(n)],
            "search_query": [HOSTILE if i == 0 else f"query {i % 13}" for i in range(n)],
            "clicked_product_ids": [["1", "2"] if i % 2 else [] for i in range(n)],
            "ts": pd.date_range("2024-01-01", periods=n, freq="min"),
        }
    )


def test_bundled_server_starts_on_loopback_and_stops() -> None:
    server = BundledServer().start()
    url = server.url
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url + "/", timeout=5) as resp:
        assert resp.status == 200
    server.stop()
    assert not server.running
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/", timeout=2)


def test_session_without_url_runs_and_stops_a_bundled_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPLENS_SEARCH", raising=False)
    with search_session() as session:
        assert session.bundled
        assert session.client.info()["version"]["number"]
        url = session.url
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/", timeout=2)


def test_down_server_gives_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(SearchUnavailableError, match=f"127.0.0.1:{port}.*not reachable"):
        connect_search(f"http://127.0.0.1:{port}")


def test_url_with_credentials_tls_and_prefix_is_parsed_and_redacted() -> None:
    client = connect_search("https://elastic:s%40cret@search.example.com:9243/es", check=False)
    conn = client.transport.get_connection()
    assert conn.host == "https://search.example.com:9243"
    assert conn.url_prefix == "/es"
    assert conn.headers["authorization"] == "Basic " + base64.b64encode(b"elastic:s@cret").decode()
    with pytest.raises(ConfigError, match="http"):
        connect_search("ftp://host:21", check=False)


def test_search_logs_round_trip_reads_every_document(engine: Engine, search_client: OpenSearch) -> None:
    rows = _search_rows(1234)
    engine.append_df("search_logs", rows)
    report = index_search_logs(engine, search_client, batch_size=100)
    assert report.ok and report.indexed == 1234 and report.batches == 13
    # all documents back, across many scroll pages (not a capped first page)
    docs = list(scan_all(search_client, "search_logs", page_size=100))
    assert len(docs) == 1234
    hist = search_history(search_client)
    assert len(hist) == 1234
    assert hist["search_query"].eq(HOSTILE).sum() == 1
    assert hist.groupby("user_id").size().to_dict() == rows.groupby("user_id").size().to_dict()
    # a second run overwrites (stable ids), it does not duplicate
    index_search_logs(engine, search_client)
    assert search_client.count(index="search_logs")["count"] == 1234
    mapping = search_client.indices.get_mapping(index="search_logs")["search_logs"]["mappings"]["properties"]
    assert mapping["user_id"]["type"] == "keyword"
    assert mapping["search_query"]["type"] == "text"
    assert mapping["timestamp"]["type"] == "date"


def test_rejected_documents_are_reported_and_the_rest_indexed(search_client: OpenSearch) -> None:
    ensure_index(search_client, "user_segments")
    docs = [(str(i), {"user_id": str(i), "segment": "a", "frequency": i}) for i in range(10)]
    docs[3] = ("3", {"user_id": "3", "segment": "a", "frequency": "not a number"})  # mapping conflict
    docs[7] = ("7", {"user_id": "7", "unknown_field": 1})  # strict mapping
    report = bulk_index(search_client, "user_segments", docs, batch_size=4, max_retries=1, backoff=0.01)
    assert report.indexed == 8
    assert report.failed == 2
    by_id = {f.doc_id: f for f in report.failures}
    assert by_id["3"].status == 400 and "frequency" in by_id["3"].reason
    assert by_id["7"].status == 400 and "unknown_field" in by_id["7"].reason
    assert "2 failed" in report.summary()
    assert search_client.count(index="user_segments")["count"] == 8


def test_server_gone_mid_indexing_raises_clearly(engine: Engine) -> None:
    engine.append_df("search_logs", _search_rows(50))
    server = BundledServer().start()
    client = connect_search(server.url)
    ensure_index(client, "search_logs")
    server.stop()
    with pytest.raises(SearchUnavailableError, match="not reachable"):
        index_search_logs(engine, client, max_retries=1)
    docs = [(str(i), {"user_id": str(i)}) for i in range(10)]
    with pytest.raises(SearchUnavailableError, match=r"after 0 documents.*database is unchanged"):
        bulk_index(client, "search_logs", docs, max_retries=1, backoff=0.01)
    assert engine.scalar("SELECT count(*) FROM search_logs") == 50


def test_query_string_counts_exactly_and_rejects_bad_queries(search_client: OpenSearch) -> None:
    ensure_index(search_client, "user_segments")
    docs = [
        (
            str(i),
            {
                "user_id": f"{i:05d}",
                "segment": ["bargain_hunters", "tech_enthusiasts"][i % 2],
                "country": ["FR", "DE", "US"][i % 3],
                "traits": ["high_share_cheap"],
            },
        )
        for i in range(12_000)
    ]
    bulk_index(search_client, "user_segments", docs, batch_size=3000)
    res = query_string(search_client, "segment:bargain_hunters AND country:FR", size=5)
    expected = sum(1 for i in range(12_000) if i % 2 == 0 and i % 3 == 0)
    assert res.total == expected  # exact beyond 10,000 hits
    assert [h["user_id"] for h in res.hits] == ["00000", "00006", "00012", "00018", "00024"]
    assert query_string(search_client, "traits:high_share_cheap", size=0).total == 12_000
    with pytest.raises(ConfigError, match="rejected"):
        query_string(search_client, "segment:(unbalanced")


def test_free_port_is_loopback_and_free() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
