"""Values from data or a model print literally: ``[/italic]`` in a category, an event
name, a search query or an LLM title neither crashes a command nor is swallowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoplens.engines import connect
from shoplens.ingest import load

from .data import REES, shop_rows, write_csv

CLOSE = "[/italic]"
BOLD = "[bold]B"


def _load(db_url: str, *paths: Path) -> None:
    with connect(db_url) as engine:
        load(engine, list(paths))


def test_metrics_prints_names_literally(db_url: str, tmp_path: Path, shoplens) -> None:
    rows = shop_rows(3, category=f"{CLOSE}.phone", brand=BOLD)
    _load(db_url, write_csv(tmp_path / "shop.csv", REES, rows))
    res = shoplens("metrics", "--db", db_url)
    assert res.exit_code == 0, res.output
    assert f"{CLOSE}.phone" in res.stdout and BOLD in res.stdout


CLICKS = [
    ("u1", CLOSE, "2024-03-01 10:00:00", "1"),
    ("u1", "[bold]Add To Cart", "2024-03-01 10:01:00", "1"),
    ("u1", "purchase", "2024-03-01 10:03:00", "1"),
    ("u2", "view_item", "2024-03-01 11:00:00", "1"),
    ("u2", CLOSE, "2024-03-01 11:02:00", "1"),
    ("u3", "[red]x[/red]", "2024-03-02 11:02:00", "2"),
]


def test_events_commands_print_event_names_literally(db_url: str, tmp_path: Path,
                                                     shoplens) -> None:
    _load(db_url, write_csv(tmp_path / "clicks.csv",
                            ["user_id", "event", "timestamp", "product_id"], CLICKS))
    res = shoplens("events", "categorize", "--db", db_url)
    assert res.exit_code == 0, res.output
    for name in (CLOSE, "[bold]Add To Cart", "[red]x[/red]"):
        assert name in res.stdout
    res = shoplens("events", "patterns", "--db", db_url)
    assert res.exit_code == 0, res.output


def test_insights_print_model_text_literally(db_url: str, tmp_path: Path, shoplens,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from llm.fakellm import FakeLLM, start

    _load(db_url, write_csv(tmp_path / "shop.csv", REES, shop_rows(3)))
    answer = {"insights": [{
        "title": f"Carts {CLOSE} are [bold]abandoned", "finding": "Half of the carts [/] end "
        "without a purchase.", "evidence": {"note": "[link=x]see[/link]"},
        "recommendation": "Remind shoppers [/italic] of their cart.", "priority": "high",
        "expected_impact": "More [b]orders."}]}
    fake = FakeLLM()
    server = start(fake)
    try:
        fake.queue(("json", json.dumps(answer)))
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        res = shoplens("events", "insights", "--db", db_url, "--llm", "openai",
                       "--llm-base-url", fake.url + "/v1", "--out", tmp_path / "res.json")
    finally:
        server.shutdown()
        server.server_close()
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert f"Carts {CLOSE} are [bold]abandoned" in text
    assert "Half of the carts [/] end" in text and "Remind shoppers [/italic] of" in text


def test_segment_and_search_print_queries_literally(db_url: str, search_url: str,
                                                    shoplens) -> None:
    from segments.synth import load_shop, make_shop

    shop = make_shop(n_per_persona=12, seed=5)
    shop["search_logs"]["search_query"] = "[/italic]" + shop["search_logs"]["search_query"]
    shop["products"]["category"] = "[bold]" + shop["products"]["category"]
    with connect(db_url) as engine:
        load_shop(engine, shop)
    res = shoplens("segment", "--db", db_url, "--search", search_url, "--k", "3", "--seed", "1")
    assert res.exit_code == 0, res.output
    assert "[/italic]" in res.stdout
    res = shoplens("search", "*", "--db", db_url, "--search", search_url, "--size", "3")
    assert res.exit_code == 0, res.output
    res = shoplens("search", "[/italic]", "--db", db_url, "--search", search_url)
    assert "Traceback" not in res.output and "[/italic]" in res.output
