"""The segments page searches the search engine's ``user_segments`` index (a real
osmem-server on loopback) and never shows the engine's credentials."""

from __future__ import annotations

from pathlib import Path

from shoplens.search import USER_SEGMENTS, bulk_index, connect_search, ensure_index
from shoplens.search.testing import search_server, search_url  # noqa: F401

from .conftest import client_for


def test_search_goes_through_the_search_engine(shop_duckdb: str, search_url: str,  # noqa: F811
                                               tmp_path: Path) -> None:
    from shoplens.engines import connect
    from shoplens.segments.store import ensure_tables

    client = connect_search(search_url)
    ensure_index(client, USER_SEGMENTS)
    docs = [(uid, {"user_id": uid, "segment": seg, "country": country})
            for uid, seg, country in [("u1", "loyal_regulars", "FR"), ("u2", "loyal_regulars", "DE"),
                                      ("u3", "bargain_hunters", "FR")]]
    bulk_index(client, USER_SEGMENTS, docs)
    client.close()
    import shutil

    db = tmp_path / "shop.duckdb"
    shutil.copy(shop_duckdb.removeprefix("duckdb:"), db)
    with connect(f"duckdb:{db}") as engine:
        ensure_tables(engine)  # `shoplens segment` made the table; its rows live in the index
    with_password = search_url.replace("://", "://reader:hunter22-secret@")
    app = client_for(f"duckdb:{db}", tmp_path / "s.json", search_url=with_password)
    page = app.get("/segments", params={"search": "segment:loyal_regulars AND country:FR"})
    assert page.status_code == 200
    assert "1 match for" in page.text and "<td>u1</td>" in page.text and "<td>u3</td>" not in page.text
    assert "hunter22-secret" not in page.text and "reader:***@" in page.text
    bad = app.get("/segments", params={"search": "segment:(unclosed"})
    assert bad.status_code == 200 and 'class="error"' in bad.text
