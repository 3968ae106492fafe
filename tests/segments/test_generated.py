"""End to end on the generator's shop: generate → load → index → segment → ARI vs personas."""

from __future__ import annotations

from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from shoplens.engines import connect
from shoplens.segments import SegmentParams, check, read_personas, segment

pytest.importorskip("shoplens.generate.generator")
pytest.importorskip("shoplens.ingest.loader")

PLURAL = {
    p: p + "s"
    for p in ("tech_enthusiast", "bargain_hunter", "fashion_lover", "home_maker", "occasional_browser")
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shoplens.generate import GenerateParams, generate

    out = tmp_path_factory.mktemp("shop")
    generate(GenerateParams(users=1500, months=4, seed=11), out)
    return out


def test_generated_shop_personas_recovered(
    generated: Path, tmp_path: Path, search_client: OpenSearch
) -> None:
    from shoplens.ingest import load

    with connect(f"duckdb:{tmp_path / 'shop.duckdb'}") as engine:
        load(engine, [generated])
        res = segment(engine, SegmentParams(seed=0), search=search_client)
        truth = read_personas(generated)
        ari = res.ari(truth)
        assert res.k == 5, res.selection_scores
        assert ari >= 0.6, (ari, res.confusion(truth))
        assert res.majority_names(truth) == PLURAL
        assert check(engine, search_client).ok
