"""segment(): features + search history from a real osmem-server + clustering + write-back,
through the Python API and the CLI, on both engines."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from opensearchpy import OpenSearch

from shoplens.engines import Engine, connect
from shoplens.search import SearchUnavailableError, connect_search
from shoplens.search.server import free_port
from shoplens.segments import SegmentParams, check, segment

from .synth import PERSONAS, load_shop, personas_series

PLURAL = {p: p + "s" for p in PERSONAS}


def test_segment_recovers_personas_and_writes_back(
    engine: Engine, shop: dict, search_client: OpenSearch
) -> None:
    load_shop(engine, shop)
    res = segment(engine, SegmentParams(seed=1), search=search_client)
    truth = personas_series(shop)
    n_users = len(shop["users"])
    assert len(res.assignments) == n_users
    assert res.ari(truth) >= 0.8
    # names match the personas they recover
    majority = res.majority_names(truth)
    for persona in ("tech_enthusiast", "bargain_hunter", "fashion_lover", "home_maker"):
        assert majority[persona] == PLURAL[persona]
    assert majority["occasional_browser"].startswith("occasional_browsers")
    # history came back from the index, all of it
    assert res.n_searches == len(shop["search_logs"])
    assert search_client.count(index="search_logs")["count"] == len(shop["search_logs"])
    # profiles: sizes add up, revenue shares add to 1 and match the events
    assert sum(s.size for s in res.segments) == n_users
    assert sum(s.revenue_share for s in res.segments) == pytest.approx(1.0)
    tech = next(s for s in res.segments if s.name == "tech_enthusiasts")
    assert any(
        t.startswith("high_aff_electronics") or t.startswith("high_aff_computers") for t in tech.traits
    )
    revenue = engine.scalar(
        "SELECT sum(p.price) FROM events e JOIN products p USING (product_id) WHERE e.event_type = 'purchase'"
    )
    assert sum(s.revenue for s in res.segments) == pytest.approx(float(revenue))
    # database: one row per user, same segments
    db = engine.fetch_df("SELECT user_id, segment, rfm_segment, traits FROM user_segments")
    assert len(db) == n_users and db["user_id"].is_unique
    assert dict(zip(db["user_id"], db["segment"], strict=True)) == res.labels.to_dict()
    assert isinstance(json.loads(db["traits"].iloc[0]), list)
    # index: one document per user, findable by segment and traits
    assert search_client.count(index="user_segments")["count"] == n_users
    doc = search_client.get(index="user_segments", id=db["user_id"].iloc[0])["_source"]
    assert doc["segment"] == db["segment"].iloc[0] and "updated_at" in doc and "traits" in doc
    assert check(engine, search_client).ok


def test_rerun_is_idempotent_and_removes_users_gone(
    engine: Engine, shop: dict, search_client: OpenSearch
) -> None:
    load_shop(engine, shop)
    first = segment(engine, SegmentParams(seed=1, k=5), search=search_client)
    second = segment(engine, SegmentParams(seed=1, k=5), search=search_client)
    assert first.labels.equals(second.labels)  # same seed, same segments
    assert engine.scalar("SELECT count(*) FROM user_segments") == len(shop["users"])
    # a user deleted from the data disappears from table and index on the next run
    gone = shop["users"]["user_id"].iloc[0]
    engine.execute("DELETE FROM events WHERE user_id = :u", {"u": gone})
    segment(engine, SegmentParams(seed=1, k=5), search=search_client)
    assert engine.scalar("SELECT count(*) FROM user_segments WHERE user_id = :u", {"u": gone}) == 0
    assert search_client.count(index="user_segments")["count"] == len(shop["users"]) - 1
    assert check(engine, search_client).ok


def test_check_reports_missing_and_stale(engine: Engine, shop: dict, search_client: OpenSearch) -> None:
    load_shop(engine, shop)
    segment(engine, SegmentParams(seed=1, k=5), search=search_client)
    users = engine.fetch_df("SELECT user_id, segment FROM user_segments ORDER BY user_id")
    missing, changed = users["user_id"].iloc[0], users["user_id"].iloc[1]
    search_client.delete(index="user_segments", id=missing, refresh=True)
    search_client.update(
        index="user_segments", id=changed, body={"doc": {"segment": "someone_else"}}, refresh=True
    )
    report = check(engine, search_client)
    assert not report.ok
    assert report.missing == [missing]
    assert report.stale == [changed]
    counts = {c.segment: (c.db, c.index) for c in report.counts}
    assert counts["someone_else"] == (0, 1)


def test_methods_and_fixed_k(engine: Engine, shop: dict, search_client: OpenSearch) -> None:
    load_shop(engine, shop)
    truth = personas_series(shop)
    gmm = segment(
        engine, SegmentParams(method="gmm", k="auto", seed=0, k_max=6), search=search_client, write=False
    )
    assert gmm.criterion == "bic" and gmm.k == min(gmm.selection_scores, key=gmm.selection_scores.get)
    gmm5 = segment(engine, SegmentParams(method="gmm", k=5, seed=0), search=search_client, write=False)
    assert gmm5.k == 5 and gmm5.ari(truth) > 0.5
    hd = segment(
        engine,
        SegmentParams(method="hdbscan", seed=0, hdbscan_min_cluster_size=10),
        search=search_client,
        write=False,
    )
    assert hd.k >= 2 and len(hd.assignments) == len(shop["users"])
    km = segment(engine, SegmentParams(k=3, seed=0), search=search_client, write=False)
    assert km.k == 3 and km.assignments["segment"].nunique() == 3


def test_down_search_engine_is_a_clear_error_and_loses_nothing(
    engine: Engine, shop: dict, search_client: OpenSearch
) -> None:
    load_shop(engine, shop)
    segment(engine, SegmentParams(seed=1, k=5), search=search_client)
    before = engine.fetch_df("SELECT * FROM user_segments ORDER BY user_id")
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SearchUnavailableError, match="not reachable"):
        segment(engine, SegmentParams(seed=2, k=4), search=dead)
    after = engine.fetch_df("SELECT * FROM user_segments ORDER BY user_id")
    pd.testing.assert_frame_equal(before, after)


def test_cli_segment_search_and_check(db_url: str, shop: dict, search_url: str, cli) -> None:
    with connect(db_url) as eng:
        load_shop(eng, shop)
    r = cli("index-searches", "--db", db_url, "--search", search_url, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["indexed"] == len(shop["search_logs"])
    r = cli("segment", "--db", db_url, "--search", search_url, "--k", "5", "--seed", "1", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["k"] == 5 and doc["n_users"] == len(shop["users"])
    names = {s["name"] for s in doc["segments"]}
    assert {"tech_enthusiasts", "bargain_hunters", "fashion_lovers", "home_makers"} <= names
    assert {row["rfm_segment"] for row in doc["rfm"]} <= {
        "champions",
        "loyal_customers",
        "potential_loyalists",
        "new_customers",
        "promising",
        "need_attention",
        "about_to_sleep",
        "cant_lose_them",
        "at_risk",
        "hibernating",
        "no_purchase",
    }
    r = cli("segment", "--check", "--db", db_url, "--search", search_url)
    assert r.exit_code == 0, r.output
    assert "OK" in r.stdout
    # search by segment and traits: the count equals the database's
    with connect(db_url) as eng:
        expected = eng.scalar(
            "SELECT count(*) FROM user_segments s JOIN users u USING (user_id) "
            "WHERE s.segment = 'bargain_hunters' AND u.country = 'FR'"
        )
    r = cli(
        "search", "segment:bargain_hunters AND country:FR", "--db", db_url, "--search", search_url, "--json"
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["total"] == expected > 0
    # the index falls behind: --check fails with exit 1
    client = connect_search(search_url)
    client.delete_by_query(
        index="user_segments", body={"query": {"term": {"segment": "home_makers"}}}, refresh=True
    )
    r = cli("segment", "--check", "--db", db_url, "--search", search_url)
    assert r.exit_code == 1
    assert "MISMATCH" in r.stdout and "home_makers" in r.stdout


def test_cli_without_search_url_uses_a_bundled_server(
    db_url: str, shop: dict, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPLENS_SEARCH", raising=False)
    with connect(db_url) as eng:
        load_shop(eng, shop)
    r = cli("segment", "--db", db_url, "--k", "5", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "tech_enthusiasts" in r.stdout and "RFM" in r.stdout
    r = cli("search", "segment:tech_enthusiasts", "--db", db_url, "--json")
    assert r.exit_code == 0, r.output
    with connect(db_url) as eng:
        assert json.loads(r.stdout)["total"] == eng.scalar(
            "SELECT count(*) FROM user_segments WHERE segment = 'tech_enthusiasts'"
        )
    r = cli("segment", "--check", "--db", db_url)
    assert r.exit_code == 2 and "--search" in r.output


def test_bad_options_are_named(db_url: str, cli) -> None:
    r = cli("segment", "--db", db_url, "--k", "many", "--search", "http://127.0.0.1:1")
    assert r.exit_code == 2 and "--k" in r.output
    r = cli("segment", "--db", db_url, "--method", "dbscan", "--search", "http://127.0.0.1:1")
    assert r.exit_code == 2 and "method" in r.output
