"""``shoplens search --index search_logs`` finds searches and shows each one's query,
time and clicks (not "N users" and a user id)."""

from __future__ import annotations

import json
from pathlib import Path


def _shop(tmp_path: Path) -> Path:
    d = tmp_path / "shop"
    d.mkdir()
    (d / "users.csv").write_text("user_id,signup_date,country\n1,2024-01-01,FR\n")
    (d / "events.csv").write_text("user_id,event_type,product_id,timestamp\n"
                                  "1,viewed,10,2024-01-02 10:00:00\n")
    searches = [
        {"user_id": "1", "search_query": "red phone", "clicked_product_ids": ["10", "11"],
         "timestamp": "2024-01-02T09:59:00"},
        {"user_id": "1", "search_query": "[b]shoes[/b]", "clicked_product_ids": [],
         "timestamp": "2024-01-03T08:00:00"},
    ]
    (d / "search_logs.jsonl").write_text("".join(json.dumps(x) + "\n" for x in searches))
    return d


def test_search_logs_hits_show_query_time_and_clicks(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"duckdb:{tmp_path / 's.duckdb'}"
    assert cli("load", _shop(tmp_path), "--db", db).exit_code == 0
    res = cli("search", "search_query:phone", "--index", "search_logs", "--db", db)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "1 searches match 'search_query:phone'" in text
    assert "query" in text and "time" in text and "clicks" in text
    assert "red phone" in text and "2024-01-02T09:59:00" in text and "10, 11" in text
    res = cli("search", "user_id:1", "--index", "search_logs", "--db", db)
    assert "[b]shoes[/b]" in res.stdout  # a value from the data is printed as written
    doc = json.loads(cli("search", "user_id:1", "--index", "search_logs", "--db", db,
                         "--json").stdout)
    assert doc["total"] == 2
