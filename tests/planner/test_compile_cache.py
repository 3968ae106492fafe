"""Compiled statements are kept between queries only while the data they were compiled
from is unchanged: a catalogue update or a load compiles again
(:mod:`shoplens.insights.compile.cache`)."""

from __future__ import annotations

from datetime import datetime

from shoplens.engines import Engine
from shoplens.ingest.hooks import LoadScope, run_post_load
from shoplens.insights import runner
from shoplens.insights.compile.breakdowns import OTHER
from shoplens.insights.properties import Catalogue
from shoplens.insights.schema import TrendsQuery
from shoplens.insights.trends.runner import run_trends
from shoplens.metrics import rollups
from shoplens.metrics.catalogue import ProductChange, update_catalogue
from shoplens.metrics.synthetic import CATEGORIES, write_shop


def top_categories(limit: int) -> TrendsQuery:
    return TrendsQuery.model_validate({
        "series": [{"math": "sum", "math_property": "event.revenue",
                    "filters": [{"property": "event.event_type", "operator": "in",
                                 "value": ["purchase", "refund"]}]}],
        "display": "total",
        "breakdowns": [{"property": "product.category", "limit": limit,
                        "rank_by": "value"}]})
PURCHASES = TrendsQuery.model_validate({"series": [{"event": "action:purchase"}],
                                        "interval": "month"})


def _uncached(engine: Engine, query: TrendsQuery) -> list:
    """The answer compiled from scratch (a fresh catalogue bypasses the cache) with the
    planner off."""
    previous = runner.set_planner(None)
    try:
        return run_trends(engine, query, catalogue=Catalogue(engine)).payload["series"]
    finally:
        runner.set_planner(previous)


def test_a_catalogue_change_compiles_again(engine: Engine) -> None:
    write_shop(engine, 3_000, days=40, seed=3)
    rollups.rebuild(engine)
    # every category and "not set" fit in the limit: the plan needs no top-N cut
    query = top_categories(len(CATEGORIES) + 1)
    first = runner.run(engine, query)
    assert first.source == "rollups"
    assert not any(s["breakdown_value"] == OTHER for s in first.payload["series"])
    assert runner.run(engine, query).payload == first.payload  # kept
    # eight products bought in the range move to categories of their own: more values
    # with revenue than the limit. The plan kept for the old catalogue would list them
    # all; compiled again it cuts past the limit, as the raw statement does
    products = [r[0] for r in engine.fetch_all(
        "SELECT product_id FROM events WHERE event_type = 'purchase' "
        "GROUP BY product_id ORDER BY SUM(price * quantity) DESC, product_id LIMIT 8")]
    update_catalogue(engine, [ProductChange(product_id=p, category=f"new.category{i}")
                              for i, p in enumerate(products)])
    after = runner.run(engine, query)
    assert after.source == "rollups"
    assert after.payload["series"] == _uncached(engine, query)
    assert any(s["breakdown_value"] == OTHER for s in after.payload["series"])


def test_a_load_with_a_new_event_name_compiles_again(engine: Engine) -> None:
    write_shop(engine, 2_000, days=30, seed=4)
    rollups.rebuild(engine)
    before = runner.run(engine, PURCHASES).payload["series"]
    assert before == _uncached(engine, PURCHASES)
    # a tracker's own purchase name, typed by the importer: without a stored taxonomy
    # the compile lists the purchase names it found in the data
    with engine.transaction():
        for k in range(5):
            engine.execute(
                "INSERT INTO events (event_id, user_id, session_id, event_type, raw_event, "
                "quantity, event_time, load_id) VALUES (:id, 'u1', 's1', 'purchase', "
                "'payment_done', 1, :t, 77)",
                {"id": 9_000_000 + k, "t": datetime(2024, 1, 10, 12, k)})
        run_post_load(engine, LoadScope(load_id=77, tables=frozenset({"events"})))
    after = runner.run(engine, PURCHASES).payload["series"]
    assert after == _uncached(engine, PURCHASES)
    assert after[0]["total"] == before[0]["total"] + 5
