"""A real-looking clickstream with its own event names (tests/fixtures/
clickstream_custom_names.csv: screen_view, pdp_view, basket_add, checkout_begin,
payment_done, basket_remove, order_refunded) counts everywhere without hand mapping:
revenue, funnels, cohorts and the insight queries; a changed mapping file is applied.

By hand: purchases a-001 49.90 (01-05) and 15.00 (01-12), a-003 45.00 (01-06); a-003
refunds 45.00 (01-13). Viewers a-001..a-004, carts a-001..a-003, buyers a-001, a-003.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import shoplens as sl
from shoplens.engines import connect

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "clickstream_custom_names.csv"


def _json(cli: Any, *args: str) -> Any:
    r = cli(*args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def loaded(cli: Any, db_url: str) -> str:
    r = cli("load", str(FIXTURE), "--db", db_url)
    assert r.exit_code == 0, r.output
    return db_url


def test_custom_names_count_as_canonical_everywhere(cli: Any, loaded: str) -> None:
    with connect(loaded) as engine:
        types = dict(engine.fetch_all("SELECT raw_event, MIN(event_type) FROM events "
                                      "GROUP BY raw_event"))
    assert types == {"screen_view": None, "pdp_view": "view", "basket_add": "cart",
                     "basket_remove": "remove_from_cart", "checkout_begin": None,
                     "payment_done": "purchase", "order_refunded": "refund"}
    metrics = _json(cli, "metrics", "--json", "--db", loaded)
    assert round(sum(r["revenue"] for r in metrics["revenue_by_category"]), 2) == 64.90
    user_funnel = next(f for f in metrics["funnel"] if f["level"] == "user")
    assert (user_funnel["entered"], user_funnel["carted"], user_funnel["purchased"]) == (4, 3, 2)
    cohorts = _json(cli, "cohorts", "--cohort-by", "first_purchase", "--period", "week",
                    "--offset-unit", "week", "--periods", "2", "--json", "--db", loaded)
    assert [c["size"] for c in cohorts["cohorts"]] == [2]
    r = sl.trends(loaded, event="action:purchase", math="sum", math_property="revenue",
                  interval="week")
    assert [p["value"] for p in r.to_dict()["series"][0]["points"]] == [94.9, 15.0]
    r = sl.trends(loaded, event="action:purchase", math="unique_users",
                  breakdown="user.channel", interval="month")
    assert {s["breakdown_value"]: s["total"] for s in r.to_dict()["series"]} == {"google": 2.0}


def test_a_changed_mapping_file_is_applied(cli: Any, loaded: str, tmp_path: Path) -> None:
    def views() -> int:
        with connect(loaded) as engine:
            return int(engine.scalar("SELECT COUNT(*) FROM events WHERE event_type = 'view'"))

    assert views() == 5
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("screen_view: {stage: browse, action: view}\n")
    r = cli("events", "categorize", "--mapping", str(mapping), "--db", loaded)
    assert r.exit_code == 0, r.output
    assert views() == 9
    optimized = _json(cli, "metrics", "--json", "--db", loaded)
    naive = _json(cli, "metrics", "--naive", "--json", "--db", loaded)
    assert optimized["funnel"] == naive["funnel"]  # the rollups followed
    assert optimized["dau"] == naive["dau"]
    mapping.write_text("screen_view: {stage: browse, action: page}\n")
    r = cli("events", "categorize", "--mapping", str(mapping), "--db", loaded)
    assert r.exit_code == 0, r.output
    assert views() == 5
