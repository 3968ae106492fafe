"""Any trends query can be watched: a query document with filters (Python API), a trends
insight saved in the explorer (CLI ``--saved``); every value is the trends runner's."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.alerts import EXIT_ALERTS, detect
from shoplens.engines import Engine
from shoplens.explorer.store import Store
from shoplens.insights.runner import run
from shoplens.insights.schema import DateRange, EventSeries, PropertyFilter, TrendsQuery


def test_a_filtered_query_is_watched_with_the_runners_values(shop: Engine, labels) -> None:
    outage = labels["country_outage"]
    country = outage["cause"]["value"]
    query = TrendsQuery(series=[EventSeries(math="unique_users", name=f"Active in {country}")],
                        filters=[PropertyFilter(property="user.country", value=country)])
    report = detect(shop, queries=[query], since="2024-03-10", data_quality=False,
                    breakdowns=["product.category"])
    found = {a.day: a for a in report.anomalies if a.metric == "query1"}
    assert set(outage["days"]) <= set(found)
    for day in outage["days"]:
        a = found[day]
        assert a.label == f"Active in {country}" and a.kind == "drop" and a.actual == 0
    # the watched values are the trends runner's, day for day
    first = outage["days"][0]
    direct = run(shop, query.model_copy(update={"date_range": DateRange(date_from=first,
                                                                        date_to=first)}))
    assert direct.payload["series"][0]["points"] == [{"date": first, "value": 0.0}]
    summary = next(m for m in report.metrics if m.metric == "query1")
    assert summary.days_judged == 52  # 2024-03-10 .. 2024-04-30


def test_cli_watches_a_saved_insight(cli, shop: Engine, labels, tmp_path: Path) -> None:
    env = {"SHOPLENS_HOME": str(tmp_path)}
    store = Store(tmp_path / "explorer.json", shop.url)
    store.save_insight("Add to cart", {"kind": "trends", "interval": "week",
                                       "series": [{"event": "add-to-cart"}]})
    store.save_insight("Buyers funnel", {"kind": "funnels", "steps": [{}, {}]})
    r = cli("alerts", "--db", shop.url, "--saved", "add to cart", "--since", "2024-04-16",
            "--no-data-quality", "--json", env=env)
    assert r.exit_code == EXIT_ALERTS, r.output
    doc = json.loads(r.stdout)
    assert [m["metric"] for m in doc["metrics"]] == ["query1"]
    stopped = {a["day"] for a in doc["anomalies"] if a["metric"] == "query1"}
    assert set(labels["event_stops"]["days"]) <= stopped
    r = cli("alerts", "--db", shop.url, "--saved", "nothing", env=env)
    assert r.exit_code == 2 and "no saved insight 'nothing'; saved trends: Add to cart" in r.output
    r = cli("alerts", "--db", shop.url, "--saved", "Buyers funnel", env=env)
    assert r.exit_code == 2 and "is a funnels insight" in r.output
