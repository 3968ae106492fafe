"""Drop-off lists: the users, a CSV file, and a list in the search index."""

from __future__ import annotations

from pathlib import Path

from opensearchpy import OpenSearch

from shoplens.engines import connect
from shoplens.insights.funnels.dropoffs import INDEX, dropoff_users, index_segment
from shoplens.insights.schema import FunnelsQuery

from .shop import load_shop


def test_dropoffs_to_the_search_index(tmp_path: Path, search_client: OpenSearch) -> None:
    with connect(f"duckdb:{tmp_path / 'd.duckdb'}") as engine:
        load_shop(engine)
        q = FunnelsQuery(steps=[{"event": "home"}, {"event": "cart", "window": "10m"},
                                {"event": "purchase"}])
        before_cart = dropoff_users(engine, q, 1)
        before_purchase = dropoff_users(engine, q, 2)
    assert before_cart["user_id"].tolist() == ["u2", "u4"]      # u2 carts after 15 minutes
    assert before_purchase["user_id"].tolist() == []           # u1 and u3 both buy
    assert index_segment(search_client, "droppers", before_cart) == 2
    # saving the list again replaces it: one document per user, the old ones gone
    assert index_segment(search_client, "droppers", before_cart.iloc[:1]) == 1
    search_client.indices.refresh(index=INDEX)
    hits = search_client.search(index=INDEX, body={"query": {"term": {"list": "droppers"}}})
    assert sorted(h["_source"]["user_id"] for h in hits["hits"]["hits"]) == ["u2"]
