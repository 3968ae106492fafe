"""Weak messages made clear: LLM answers and endpoints, search errors, line endings,
all-rejected files, odd JSON keys, quarantine CSV names, temp folders of killed loads."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from shoplens.engines import connect
from shoplens.errors import ShopLensError
from shoplens.ingest import load
from shoplens.llm import LLMError, LLMSettings, get_provider
from shoplens.llm.schema import InsightsResponse

from .data import REES, rees_row, write_csv


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    from llm.fakellm import FakeLLM, start

    f = FakeLLM()
    server = start(f)
    try:
        yield f
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def test_an_answer_that_is_not_json(fake) -> None:  # type: ignore[no-untyped-def]
    fake.queue(("json", "Sure! Here are your insights."))
    p = get_provider(LLMSettings(provider="openai", base_url=fake.url + "/v1"))
    with pytest.raises(LLMError) as err:
        p.complete_json("q", InsightsResponse)
    assert "the answer is not JSON" in str(err.value)
    assert "it begins 'Sure! Here are your insights.'" in str(err.value)


def test_an_endpoint_that_is_not_an_llm_api(tmp_path: Path) -> None:
    import http.server
    import threading

    class Html(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>hello</html>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with pytest.raises(LLMError) as err:
            get_provider(LLMSettings(provider="openai", base_url=url)).generate("q")
    finally:
        server.shutdown()
        server.server_close()
    assert f"openai request to {url} failed" in str(err.value)
    assert "is it an OpenAI-compatible API" in str(err.value)


def test_unreachable_and_malformed_endpoints_are_named(shoplens, tmp_path: Path) -> None:
    p = get_provider(LLMSettings(provider="openai", base_url="http://127.0.0.1:9/v1",
                                 max_retries=1, backoff=0.01))
    with pytest.raises(LLMError) as err:
        p.generate("q")
    assert "openai request to http://127.0.0.1:9/v1 failed" in str(err.value)
    assert "is the server running, and is --llm-base-url right?" in str(err.value)
    res = shoplens("events", "insights", "--llm", "openai", "--llm-base-url", "localhost:11434",
                   "--db", f"duckdb:{tmp_path / 'x.duckdb'}")
    assert res.exit_code == 2
    assert "error: invalid --llm-base-url 'localhost:11434': " in res.stderr
    assert "is not an http(s):// URL" in res.stderr


def test_a_hanging_server_fails_within_the_budget(fake) -> None:  # type: ignore[no-untyped-def]
    fake.queue(("sleep", 30))
    assert LLMSettings().budget == 60  # the default: about a minute in all
    p = get_provider(LLMSettings(provider="openai", base_url=fake.url + "/v1", budget=3))
    start = time.monotonic()
    with pytest.raises(LLMError) as err:
        p.generate("q")
    assert time.monotonic() - start < 8
    assert "3 s budget" in str(err.value)


def test_search_engine_errors_are_one_line(search_url: str, search_client, shoplens,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    search_client.indices.create(index="probe", body={"mappings": {"properties": {
        "user_id": {"type": "keyword"}}}})
    search_client.index(index="probe", body={"user_id": "1"}, refresh=True)
    res = shoplens("search", "segment:(((", "--index", "probe", "--search", search_url,
                   "--db", f"duckdb:{tmp_path / 'x.duckdb'}")
    assert res.exit_code == 2
    errors = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: search: the engine rejected")
    assert "root_cause" not in res.stderr and "{" not in errors[0].split("rejected")[1]


def test_mixed_line_endings_are_accepted(db_url: str, tmp_path: Path) -> None:
    rows = [",".join(REES), *(",".join(rees_row(user=f"u{i}")) for i in range(4))]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\r\n".join(r.encode() for r in rows[:3]) + b"\n"
                     + b"\n".join(r.encode() for r in rows[3:]) + b"\r\n")
    with connect(db_url) as engine:
        report = load(engine, [path])
        assert report.rows_loaded == 4 and report.rows_quarantined == 0
        users = engine.fetch_all("SELECT user_id FROM users ORDER BY user_id")
    assert users == [("u0",), ("u1",), ("u2",), ("u3",)]  # no trailing \r in any value


def test_a_file_with_every_row_quarantined_fails(db_url: str, tmp_path: Path,
                                                 shoplens) -> None:
    good = write_csv(tmp_path / "good.csv", REES, [rees_row()])
    semi = tmp_path / "semi.csv"
    semi.write_text(";".join(REES) + "\n" + ";".join(rees_row(price="10,5")) + "\n"
                    + ";".join(rees_row(price="1,25", user="u2")) + "\n")
    res = shoplens("load", good, semi, "--db", db_url)
    assert res.exit_code == 1, res.output
    text = " ".join(res.stderr.split())
    assert f"warning: every row of {semi} was quarantined, most for: unparsable price" in text
    assert f"error: nothing of {semi} could be loaded" in text
    with connect(db_url) as engine:
        assert engine.scalar("SELECT count(*) FROM events") == 1  # the good file loaded


def test_a_json_key_ending_in_a_backslash(db_url: str, tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "search_logs.jsonl").write_text(json.dumps(
        {"user_id": "1", "search_query": "phone", "timestamp": "2024-01-02T09:59:00",
         "odd\\": 1, 'q"uote': 2}) + "\n")
    with connect(db_url) as engine:
        report = load(engine, [shop / "search_logs.jsonl"])
        assert report.rows_loaded == 1


def test_quarantine_csvs_of_two_databases_do_not_collide(db_url: str, tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    path = write_csv(tmp_path / "bad.csv", REES, [rees_row(), rees_row(price="x")])
    folder = tmp_path / "q"
    if db_url.startswith("duckdb:"):
        other = f"duckdb:{tmp_path / 'other.duckdb'}"
    else:
        server = request.getfixturevalue("pg_server")
        other = server.create_database()
    written = []
    for url in (db_url, other):
        with connect(url) as engine:
            written.append(load(engine, [path], quarantine_dir=folder).quarantine_csv)
    assert written[0] != written[1] and all(p is not None and p.exists() for p in written)
    assert len(list(folder.glob("*.quarantine.load-1.csv"))) == 2


def test_temp_folders_of_killed_loads_are_removed(db_url: str, tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    root = Path(tempfile.gettempdir())
    stale = Path(tempfile.mkdtemp(prefix="shoplens-load-", dir=root))
    (stale / "spill").mkdir()
    (stale / "owner.pid").write_text(dead)
    alive = Path(tempfile.mkdtemp(prefix="shoplens-load-", dir=root))
    (alive / "owner.pid").write_text("1")  # init never dies
    try:
        with connect(db_url) as engine:
            load(engine, [write_csv(tmp_path / "a.csv", REES, [rees_row()])])
        assert not stale.exists() and alive.exists()
    finally:
        for d in (stale, alive):
            if d.exists():
                import shutil

                shutil.rmtree(d)


def test_errors_are_shoplens_errors() -> None:
    assert issubclass(LLMError, ShopLensError)
