"""Customer value on each user's document in the ``user_segments`` index, searchable
(``p_alive:<0.3 AND clv:>5``), on a real osmem-server: updated in place by
``shoplens clv --search``, and picked up when a bundled server is filled from the
database."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from opensearchpy import OpenSearch

from shoplens.clv.writeback import update_index, write_table
from shoplens.engines import connect
from shoplens.search import query_string
from shoplens.search.testing import search_client, search_server, search_url  # noqa: F401
from shoplens.segments.store import ensure_tables, write_index
from tests.clv.data import load_cdnow

N_DOCS = 600


def _assignments(n: int) -> pd.DataFrame:
    ids = [str(i) for i in range(1, n + 1)]
    return pd.DataFrame({
        "user_id": ids, "segment": ["loyal" if int(i) % 3 else "bargain" for i in ids],
        "cluster": 0, "method": "kmeans", "rfm_segment": "hibernating",
        "r_score": 1, "f_score": 1, "m_score": 1, "traits": "[]", "country": "US",
        "recency_days": 1.0, "frequency": 1, "monetary": 1.0, "run_id": "r1",
        "updated_at": pd.Timestamp("2024-01-01")})


def test_value_fields_are_searchable(search_client: OpenSearch, search_url: str,  # noqa: F811
                                     tmp_path, cli) -> None:
    import shoplens as sl

    url = f"duckdb:{tmp_path / 'shop.duckdb'}"
    docs = _assignments(N_DOCS)
    with connect(url) as engine:
        load_cdnow(engine)
        ensure_tables(engine)
        engine.append_df("user_segments", docs.drop(columns=[
            "country", "recency_days", "frequency", "monetary"]))
        result = sl.clv(engine, horizon="300d")
        write_table(engine, result)
    # an index made before customer value existed: the fields are added to its mapping
    write_index(search_client, docs, "r1")
    report = update_index(search_client, result)
    assert report.ok and report.updated == N_DOCS
    assert report.without_document == 2357 - N_DOCS  # the index's users are the segmentation's

    query = "p_alive:<0.3 AND clv:>5"
    c = result.customers
    indexed = c[c["user_id"].astype(int) <= N_DOCS]
    expected = int(((indexed["p_alive"] < 0.3) & (indexed["clv"] > 5)).sum())
    assert expected > 0
    found = query_string(search_client, query, size=1000)
    assert found.total == expected
    hit = found.hits[0]
    row = c.set_index("user_id").loc[hit["user_id"]]
    assert hit["p_alive"] == pytest.approx(row["p_alive"], abs=1e-6)
    assert hit["clv"] == pytest.approx(row["clv"], abs=1e-6) and hit["segment"] in {"loyal", "bargain"}
    assert query_string(search_client, "churn_risk:true AND segment:bargain").total == int(
        (indexed["churn_risk"] & (indexed["user_id"].astype(int) % 3 == 0)).sum())

    # a bundled server starts empty and is filled from the database: the fields come along
    res = cli("search", query, "--db", url, "--json", "--size", "5", env={"SHOPLENS_SEARCH": ""})
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["total"] == expected
