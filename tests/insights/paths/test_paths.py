"""Paths: literal top paths, step matrix and drop-offs; the CLI with a sankey."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.engines import Engine
from shoplens.insights.paths import run_paths
from shoplens.insights.paths.sankey import ENDED, figure, flows, top_links
from shoplens.insights.schema import PathsQuery

from ..funnels.shop import load_shop


def test_paths_literal(engine: Engine) -> None:
    load_shop(engine)
    r = run_paths(engine, PathsQuery(steps=4, groupings=["product*"]))
    assert {tuple(p["path"]): p["count"] for p in r.payload["paths"]} == {
        ("home", "product*", "cart", "purchase"): 3,
        ("home", "product*", "home"): 1,
        ("search", "product*", "cart"): 1,  # product_1, product_2 collapse into one
    }
    assert r.payload["dropoffs"] == [
        {"step": 1, "actors": 5, "continued": 5, "ended": 0, "ended_share": 0.0},
        {"step": 2, "actors": 5, "continued": 5, "ended": 0, "ended_share": 0.0},
        {"step": 3, "actors": 5, "continued": 3, "ended": 2, "ended_share": 0.4},
        {"step": 4, "actors": 3, "continued": 0, "ended": 3, "ended_share": 1.0}]
    # the sessions whose path ends before the last step, per node: the sankey's (ended)
    assert r.payload["ends"] == [{"step": 3, "node": "cart", "count": 1},
                                 {"step": 3, "node": "home", "count": 1}]
    drawn = [lk for lk in flows(r.payload) if lk["target"] == ENDED]
    assert drawn == [{"step": 3, "source": "cart", "target": ENDED, "count": 1},
                     {"step": 3, "source": "home", "target": ENDED, "count": 1}]
    assert sum(lk["count"] for lk in drawn) == r.payload["dropoffs"][2]["ended"]
    labels = figure(r.payload).data[0].node.label
    assert "(ended) (4)" in labels
    matrix = {m["node"]: m["shares"] for m in r.payload["step_matrix"]}
    assert matrix["home"] == [0.8, 0.0, 0.2, 0.0]
    assert matrix["(end)"] == [0.0, 0.0, 0.0, 0.4]
    for s in range(4):  # each column of the step matrix sums to 1
        assert abs(sum(v[s] for v in matrix.values()) - 1) < 1e-9
    assert r.payload["other"] == {"paths": 0, "count": 0}
    cut = run_paths(engine, PathsQuery(steps=4, groupings=["product*"], top_n=2)).payload
    assert [p["count"] for p in cut["paths"]] == [3, 1]
    assert cut["other"] == {"paths": 1, "count": 1}
    # start and end points; repeats kept; an exclusion
    r = run_paths(engine, PathsQuery(steps=3, end="cart", groupings=["product*"]))
    assert {tuple(p["path"]) for p in r.payload["paths"]} == {
        ("home", "product*", "cart"), ("search", "product*", "cart")}
    r = run_paths(engine, PathsQuery(steps=3, start="product_1", collapse_repeats=False,
                                     exclude=["cart"]))
    assert {tuple(p["path"]): p["count"] for p in r.payload["paths"]} == {
        ("product_1", "purchase"): 2, ("product_1", "product_2"): 1}


def test_paths_cli_sankey(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from shoplens.engines import connect

    db = f"duckdb:{tmp_path / 'p.duckdb'}"
    with connect(db) as engine:
        load_shop(engine)
    html, png = tmp_path / "s.html", tmp_path / "s.png"
    r = cli("paths", "--steps", "4", "--group", "product*", "--sankey", html, "--json", "--db", db)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["paths"][0]["count"] == 3
    assert "Sankey" in html.read_text() or "sankey" in html.read_text()
    r = cli("paths", "--start", "home", "--sankey", png, "--db", db)
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = cli("paths", "--start", "hom", "--db", db)
    assert r.exit_code == 2 and "did you mean 'home'" in r.output


def test_sankey_keeps_ended_past_the_busiest_nodes() -> None:
    # ten nodes at step 1, every one ending for some sessions: the 8 busiest stay,
    # the rest become "other", and the (ended) node is never merged away
    links = [{"step": 1, "source": f"e{i}", "target": "cart", "count": 10 + i} for i in range(10)]
    ends = [{"step": 1, "node": f"e{i}", "count": 1} for i in range(10)]
    drawn = flows({"links": links, "ends": ends}, per_step=8)
    ended = {lk["source"]: lk["count"] for lk in drawn if lk["target"] == ENDED}
    assert ended == {**{f"e{i}": 1 for i in range(2, 10)}, "other": 2}
    assert sum(lk["count"] for lk in drawn) == sum(x["count"] for x in links + ends)
    assert top_links(links) == [lk for lk in flows({"links": links}) if lk["target"] != ENDED]
