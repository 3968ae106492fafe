"""Trends on the tiny shop (tests/insights/shop.py) through the Python API and the CLI,
on DuckDB and PostgreSQL, with expected values counted by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import shoplens as sl
from shoplens.errors import ConfigError


def points(result: Any, i: int = 0) -> list[tuple[str, float | None]]:
    s = result.to_dict()["series"][i]
    return [(p["date"], p["value"]) for p in s["points"]]


def by_breakdown(result: Any) -> dict[Any, float]:
    return {json.dumps(s["breakdown_value"]): s["total"] for s in result.to_dict()["series"]}


def test_weekly_revenue(shop_url: str) -> None:
    r = sl.trends(shop_url, event="action:purchase", math="sum", math_property="revenue",
                  interval="week")
    assert points(r) == [("2026-01-05", 150.0), ("2026-01-12", 0.0), ("2026-01-19", 200.0)]
    assert r.to_dict()["series"][0]["total"] == 350.0
    assert r.source == "raw" and (r.date_from, r.date_to) == ("2026-01-05", "2026-01-21")
    frame = r.to_frame()
    assert list(frame.columns) == ["series", "series_index", "breakdown_value", "date", "value",
                                   "compare"]
    assert frame["value"].tolist() == [150.0, 0.0, 200.0]


def test_weekly_buyers_in_france(shop_url: str) -> None:
    r = sl.trends(shop_url, event="action:purchase", math="unique_users",
                  where="user.country=FR", interval="week")
    assert points(r) == [("2026-01-05", 1.0), ("2026-01-12", 0.0), ("2026-01-19", 0.0)]


def test_revenue_by_channel_ordered_by_total(shop_url: str) -> None:
    r = sl.trends(shop_url, event="action:purchase", math="sum", math_property="revenue",
                  breakdown="user.channel", interval="month")
    series = r.to_dict()["series"]
    assert [(s["breakdown_value"], s["total"]) for s in series] == [
        ("newsletter", 260.0), ("google", 90.0)]
    assert series[0]["points"] == [{"date": "2026-01-01", "value": 260.0}]


def test_daily_range_fills_empty_days(shop_url: str) -> None:
    r = sl.trends(shop_url, math="unique_users", date_from="2026-01-05", date_to="2026-01-07")
    assert points(r) == [("2026-01-05", 1.0), ("2026-01-06", 1.0), ("2026-01-07", 0.0)]


def test_formula_conversion(shop_url: str) -> None:
    r = sl.trends(shop_url, series=[{"event": "action:purchase", "math": "unique_users"},
                                    {"event": "action:view", "math": "unique_users"}],
                  formula="A / B", interval="week")
    assert points(r) == [("2026-01-05", 1.0), ("2026-01-12", 0.0), ("2026-01-19", 1.0)]
    r = sl.trends(shop_url, series=[{"event": "action:purchase"}, {"event": "action:refund"}],
                  formula="B / A * 100", interval="week")
    assert points(r) == [("2026-01-05", 0.0), ("2026-01-12", None), ("2026-01-19", 0.0)]


def test_compare_with_previous_period(shop_url: str) -> None:
    r = sl.trends(shop_url, date_from="2026-01-12", date_to="2026-01-18", interval="week",
                  compare=True)
    series = r.to_dict()["series"]
    assert [(s["compare"], s["points"]) for s in series] == [
        (False, [{"date": "2026-01-12", "value": 3.0}]),
        (True, [{"date": "2026-01-05", "value": 8.0}])]


def test_cumulative(shop_url: str) -> None:
    r = sl.trends(shop_url, event="action:purchase", math="sum", math_property="revenue",
                  interval="week", cumulative=True)
    assert points(r) == [("2026-01-05", 150.0), ("2026-01-12", 150.0), ("2026-01-19", 350.0)]


def test_weekday_breakdown_is_never_cut(shop_url: str) -> None:
    r = sl.trends(shop_url, breakdown="time.weekday", breakdown_limit=1, interval="month")
    assert by_breakdown(r) == {"1": 5.0, "2": 5.0, "3": 2.0, "4": 1.0}
    assert r.notes == []


def test_top_n_plus_other_says_so(shop_url: str) -> None:
    r = sl.trends(shop_url, breakdown="product.category", breakdown_limit=1, interval="month")
    assert by_breakdown(r) == {'"electronics.phone"': 7.0, '"(other)"': 6.0}
    assert any("top 1" in n and "(other)" in n for n in r.notes)


def test_numeric_bins(shop_url: str) -> None:
    r = sl.trends(shop_url, event="action:view", breakdown="event.price", bins=[0, 50, 150],
                  interval="month")
    assert by_breakdown(r) == {'"[50, 150)"': 3.0, '"[0, 50)"': 2.0}
    r = sl.trends(shop_url, event="action:view", breakdown="event.price", bins=2,
                  interval="month")
    assert by_breakdown(r) == {'"[60, 100]"': 3.0, '"[20, 60)"': 2.0}


def test_hourly_in_a_time_zone(shop_url: str) -> None:
    r = sl.trends(shop_url, event="payment_done", interval="hour", timezone="Europe/Paris",
                  date_from="2026-01-06T23:00", date_to="2026-01-07T00:00")
    assert points(r) == [("2026-01-06T23:00:00", 1.0)]


def test_query_document_and_errors(shop_url: str) -> None:
    doc = {"kind": "trends", "series": [{"event": "view", "math": "unique_users"}],
           "interval": "month", "filters": [{"property": "product.brand", "value": "O'Neil"}]}
    assert points(sl.query(doc, shop_url)) == [("2026-01-01", 2.0)]
    assert points(sl.query(json.dumps(doc), shop_url)) == [("2026-01-01", 2.0)]
    with pytest.raises(ConfigError, match=r"unknown property 'user.contry'.*user.country"):
        sl.trends(shop_url, where="user.contry=FR")
    with pytest.raises(ConfigError, match=r"invalid query: series.0: math .sum. needs math_property"):
        sl.query({"kind": "trends", "series": [{"math": "sum"}]}, shop_url)
    with pytest.raises(ConfigError, match=r"formula 'A / C': series C does not exist"):
        sl.trends(shop_url, event=["view", "action:cart"], formula="A / C")


def test_cli_trends_json(cli: Any, shop_url: str) -> None:
    r = cli("trends", "--event", "action:purchase", "--math", "sum", "--property", "revenue",
            "--breakdown", "country", "--interval", "month", "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [(s["breakdown_value"], s["points"]) for s in doc["series"]] == [
        ("DE", [{"date": "2026-01-01", "value": 260.0}]),
        ("FR", [{"date": "2026-01-01", "value": 90.0}])]
    assert doc["kind"] == "trends" and doc["source"] == "raw"
    r = cli("trends", "-e", "view", "--where", "event.price>50", "--where",
            "country=FR or country=DE", "-i", "week", "--db", shop_url)
    assert r.exit_code == 0, r.output
    assert "view" in r.stdout and "2026-01-12" in r.stdout


def test_cli_query_file_schema_and_bad_input(cli: Any, shop_url: str, tmp_path: Path) -> None:
    doc = {"kind": "trends", "series": [{"event": "action:purchase", "math": "unique_users"}],
           "interval": "week", "filters": [{"property": "user.country", "value": "FR"}]}
    path = tmp_path / "q.json"
    path.write_text(json.dumps(doc))
    r = cli("query", str(path), "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    assert [p["value"] for p in json.loads(r.stdout)["series"][0]["points"]] == [1.0, 0.0, 0.0]
    r = cli("query", "--schema")
    assert r.exit_code == 0 and "TrendsQuery" in r.stdout
    r = cli("trends", "--where", "user.contry=FR", "--db", shop_url)
    assert r.exit_code == 2 and "closest: user.country" in r.output
    r = cli("trends", "--where", "country", "--db", shop_url)
    assert r.exit_code == 2 and "--where 'country': write PROPERTY=VALUE" in r.output
    r = cli("trends", "--where", "event.price>cheap", "--db", shop_url)
    assert r.exit_code == 2 and "event.price is a number property" in r.output
    r = cli("trends", "--event", "paymnt_done", "--db", shop_url)
    assert r.exit_code == 2 and "closest: payment_done" in r.output
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    r = cli("query", str(bad), "--db", shop_url)
    assert r.exit_code == 2 and "not JSON" in r.output


def test_cli_query_from_standard_input(shop_url: str) -> None:
    from typer.testing import CliRunner

    from shoplens.cli.app import app

    doc = {"kind": "lifecycle", "interval": "week"}
    r = CliRunner().invoke(app, ["query", "-", "--json", "--db", shop_url],
                           input=json.dumps(doc))
    assert r.exit_code == 0, r.output
    assert [p["new"] for p in json.loads(r.stdout)["points"]] == [2, 1, 1]


def test_top_n_keeps_the_no_value_group_and_joins_it_by_value(shop_url: str) -> None:
    """Events without a product rank as their own group (NULL matching NULL in the rank
    join); on PostgreSQL that join is written so it can hash or merge (``IS NOT
    DISTINCT FROM`` only nested-loops: minutes at 10M events)."""
    r = sl.trends(shop_url, breakdown="product.category", breakdown_limit=2, interval="month")
    full = sl.trends(shop_url, breakdown="product.category", interval="month")
    totals = by_breakdown(full)
    assert "null" in totals
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0] == "null", kv[0]))[:2]
    expected = dict(top) | {'"(other)"': sum(totals.values()) - sum(v for _, v in top)}
    assert by_breakdown(r) == expected
    if shop_url.startswith("postgresql"):
        assert all("IS NOT DISTINCT FROM" not in s.upper() for s in r.sql)
