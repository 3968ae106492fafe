"""Insights end to end: offline provider, output file, privacy of the prompt, a clickstream
CSV loaded by the importer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from events_shop import ROWS, seed

from shoplens.engines import Engine
from shoplens.events.insights import InsightsParams, analyze, build_prompt, statistics
from shoplens.llm.schema import InsightsResponse

KEYS = {"generated_at", "provider", "model", "totals", "event_distribution", "taxonomy",
        "funnel", "patterns", "insights", "withheld_from_llm"}


def test_offline_insights_end_to_end(engine: Engine, db_url: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    doc = analyze(engine)
    assert set(doc) == KEYS
    assert doc["provider"] == "offline" and doc["model"] == "rules-and-templates"
    InsightsResponse.model_validate({"insights": doc["insights"]})
    titles = [i["title"] for i in doc["insights"]]
    assert titles[0] == "Largest funnel drop: consideration to checkout"   # 4 of 7 sessions
    ab = next(i for i in doc["insights"] if i["title"] == "Abandoned carts")
    # evidence is copied from the statistics, not invented
    assert ab["evidence"] == {"cart_sessions": 5, "abandoned_sessions": 2,
                              "abandonment_rate": 0.4, "recovery_rate": 1.0}
    dist = {(d["stage"], d["action"]): d["events"] for d in doc["event_distribution"]["by_stage"]}
    assert dist[("browse", "view")] == 10 and dist[("conversion", "purchase")] == 4
    assert sum(dist.values()) == len(ROWS) == doc["totals"]["events"]
    engine.close()
    out = tmp_path / "analysis.json"
    res = cli("events", "insights", "--db", db_url, "--out", out)
    assert res.exit_code == 0, res.output
    written = json.loads(out.read_text())
    assert set(written) == KEYS and written["insights"] == doc["insights"]
    assert "wrote" in res.stderr and "provider offline" in res.stderr


def test_default_output_name(engine: Engine, db_url: str, cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                             monkeypatch: pytest.MonkeyPatch) -> None:
    seed(engine)
    engine.close()
    monkeypatch.chdir(tmp_path)
    assert cli("events", "insights", "--db", db_url).exit_code == 0
    [f] = list(tmp_path.glob("analysis_results_*.json"))
    assert json.loads(f.read_text())["provider"] == "offline"


def test_prompt_carries_no_personal_data(engine: Engine) -> None:
    people = [f"cust-{n}@example.com" for n in ("alice", "bob", "carol", "dave", "erin")]
    ids = dict(zip(["u1", "u2", "u3", "u4", "u5"], people, strict=True))
    seed(engine, [(ids[r[0]], f"sess-{r[1]}-9f3a" if r[1] else None, r[2],
                   f"SKU-{r[3]}-77" if r[3] else None, r[4]) for r in ROWS])
    prompt = build_prompt(statistics(engine, InsightsParams()))
    for secret in [*people, "sess-s1-9f3a", "SKU-p1-77", "cust-"]:
        assert secret not in prompt
    assert '"abandoned_sessions":2' in prompt          # the aggregates are there


def test_no_events_is_a_clear_error(engine: Engine, db_url: str, cli) -> None:  # type: ignore[no-untyped-def]
    engine.close()
    res = cli("events", "insights", "--db", db_url)
    assert res.exit_code == 2 and "no events to analyse" in res.stderr


CLICKSTREAM = """user_id,event,timestamp,session_id,product_id,price
101,PLP_impression,2024-06-01 10:00:00,a1,,
101,ProductDetailViewed,2024-06-01 10:00:30,a1,P-1,19.99
101,add_to_wishlist,2024-06-01 10:01:00,a1,P-1,19.99
101,basket_item_added,2024-06-01 10:02:00,a1,P-1,19.99
101,checkout_step_2_shipping,2024-06-01 10:03:00,a1,,
101,payment_info_entered,2024-06-01 10:04:00,a1,,
101,coupon_applied,2024-06-01 10:04:30,a1,,
101,order_completed,2024-06-01 10:05:00,a1,P-1,19.99
102,PLP_impression,2024-06-01 11:00:00,b1,,
102,ProductDetailViewed,2024-06-01 11:00:20,b1,P-2,5.00
102,basket_item_added,2024-06-01 11:01:00,b1,P-2,5.00
102,basket_item_removed,2024-06-01 11:02:00,b1,P-2,5.00
103,ProductDetailViewed,2024-06-02 09:00:00,c1,P-1,19.99
"""


def test_clickstream_csv_loaded_by_the_importer(engine: Engine, tmp_path: Path) -> None:
    load = pytest.importorskip("shoplens.ingest").load
    path = tmp_path / "clicks.csv"
    path.write_text(CLICKSTREAM)
    load(engine, [path], format="clickstream")
    doc = analyze(engine)
    stages = {t["raw"]: t["stage"] for t in doc["taxonomy"]}
    assert stages == {
        "PLP_impression": "browse", "ProductDetailViewed": "browse",
        "add_to_wishlist": "consideration", "basket_item_added": "consideration",
        "checkout_step_2_shipping": "checkout", "payment_info_entered": "checkout",
        "coupon_applied": "checkout", "order_completed": "conversion",
        "basket_item_removed": "removal"}
    f = {s["stage"]: (s["sessions"], s["users"]) for s in doc["funnel"]}
    assert f == {"browse": (3, 3), "consideration": (2, 2), "checkout": (1, 1),
                 "conversion": (1, 1)}
    ca = doc["patterns"]["cart_abandonment"]
    assert (ca["cart_sessions"], ca["abandoned_sessions"]) == (2, 1)


def test_event_names_that_look_personal_stay_out_of_the_prompt(engine: Engine) -> None:
    odd = ["search:jane.doe@example.com", "viewed_product_48213377",
           "cart_3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"]
    rows = [*ROWS, *[("u1", "s1", name, None, ROWS[0][4]) for name in odd]]
    seed(engine, rows)
    prompt = build_prompt(statistics(engine, InsightsParams()))
    for name in odd:
        assert name not in prompt
    assert "name withheld" in prompt and "view_item" in prompt
