"""``shoplens alerts`` and ``shoplens.alerts.detect`` on a generated shop with injected,
labelled anomalies, on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

from shoplens.alerts import EXIT_ALERTS, Holiday, detect
from shoplens.engines import Engine


def days(label: dict) -> set[str]:
    return set(label["days"])


def test_cli_fires_names_the_country_and_the_broken_tracker(cli, shop: Engine, labels) -> None:
    r = cli("alerts", "--db", shop.url, "--since", "2024-02-26", "--metric", "dau",
            "--metric", "orders", "--metric", "events", "--json")
    assert r.exit_code == EXIT_ALERTS, r.output
    doc = json.loads(r.stdout)
    assert doc["fired"] and doc["exit_code"] == EXIT_ALERTS
    found = {(a["metric"], a["day"]): a for a in doc["anomalies"]}
    # the whole-site drop shows in daily active users
    assert found[("dau", labels["drop"]["start"])]["kind"] == "drop"
    assert "spread over all of them" in found[("dau", labels["drop"]["start"])]["message"]
    # the replayed sessions show in orders and events
    assert found[("events", labels["spike"]["start"])]["kind"] == "spike"
    assert found[("orders", labels["spike"]["start"])]["kind"] == "spike"
    # the country's outage shows in daily active users, and its root cause is the country
    outage = labels["country_outage"]
    hits = [found[("dau", d)] for d in outage["days"] if ("dau", d) in found]
    assert hits, "the payment outage was not found"
    for a in hits:
        assert a["causes"][0]["property"] == "user.country"
        assert a["causes"][0]["value"] == outage["cause"]["value"]
        assert f"country = {outage['cause']['value']}" in a["message"]
        assert a["actual"] < a["lower"] <= a["expected"] <= a["upper"]
    # the tracker that stopped is a data-quality alert, day by day
    stopped = {q["day"] for q in doc["data_quality"]
               if q["kind"] == "event_stopped" and q["subject"] == "add-to-cart"}
    assert stopped == days(labels["event_stops"])
    assert {m["metric"] for m in doc["metrics"]} == {"dau", "orders", "events"}
    # every series is a trends query: the planner answers dau and events from the
    # rollups the load built, orders (distinct sessions) from the raw events
    assert doc["sources"] == ["raw", "rollups"]
    # and nothing else fired: every anomaly is on an injected day
    injected = set().union(*(days(lab) for lab in labels.values()))
    assert {a["day"] for a in doc["anomalies"]} <= injected


def test_cli_text_and_quiet_exit(cli, shop: Engine, labels) -> None:
    # daily active users move on the drop and the outage days only
    last = max(date.fromisoformat(labels[k]["end"]) for k in ("drop", "country_outage"))
    quiet_from = (last + timedelta(days=2)).isoformat()
    r = cli("alerts", "--db", shop.url, "--since", quiet_from, "--metric", "dau",
            "--sensitivity", "low", "--no-data-quality")
    assert r.exit_code == 0, r.output
    assert "All quiet" in r.stdout and "Daily" in r.stdout
    r = cli("alerts", "--db", shop.url, "--since", labels["drop"]["start"], "--metric", "dau")
    assert r.exit_code == EXIT_ALERTS
    assert "DROP" in r.stdout and labels["drop"]["start"] in r.stdout


def test_python_api_gaps_quarantine_and_holidays(shop: Engine, labels) -> None:
    spike = labels["spike"]["start"]
    gap = "2024-04-10"
    shop.execute("DELETE FROM events WHERE event_time >= :lo AND event_time < :hi",
                 {"lo": date.fromisoformat(gap), "hi": date.fromisoformat(gap) + timedelta(days=1)})
    shop.execute("INSERT INTO loads (load_id, source, format, sha256, started_at, rows_read, "
                 "rows_loaded, rows_quarantined) VALUES (999, 'late.csv', 'platform-csv', 'x', "
                 "'2024-04-30 10:00:00', 1000, 700, 300)")
    shop.execute("INSERT INTO quarantine (load_id, file, line, field, reason) VALUES "
                 "(999, 'late.csv', 2, 'event_time', 'unparseable time')")
    report = detect(shop, metrics=["dau", "events"], since="2024-03-10",
                    holidays=[Holiday.parse(f"{spike}:Launch party")])
    kinds = {(q.kind, q.day) for q in report.quality}
    assert ("no_events", gap) in kinds
    quarantine = [q for q in report.quality if q.kind == "quarantine"]
    assert quarantine and quarantine[0].stats["share"] == 0.3
    assert "unparseable time" in quarantine[0].message
    # the gap is reported, never a metric drop (nor interpolated)
    assert gap not in {a.day for a in report.anomalies}
    # the declared spike does not alert but is reported as declared
    assert spike not in {a.day for a in report.anomalies}
    assert [a.declared for a in report.declared if a.day == spike] == ["Launch party"]
    assert report.exit_code == EXIT_ALERTS
    # events deleted behind the rollups' back: the series come from the raw events
    assert report.sources == ["raw"]
    assert any("rollups are behind the events" in n for n in report.notes)


def test_a_series_too_small_to_watch_says_so(shop: Engine, labels) -> None:
    """A rare event (tens a day in this small shop) cannot show a drop of 40 %: the
    metric's notes say so and what can be told from noise; a larger series (events) gets
    no such note."""
    report = detect(shop, metrics=["events:remove-from-cart", "orders", "events"],
                    since="2024-02-26", data_quality=False)
    notes = {m.metric: " ".join(m.notes) for m in report.metrics}
    assert "too small for reliable detection" in notes["events:remove-from-cart"]
    assert "can be told from noise" in notes["events:remove-from-cart"]
    assert "too small" not in notes["events"] and "too noisy" not in notes["events"]
