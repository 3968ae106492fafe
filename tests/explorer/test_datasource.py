"""Read-only connections per query: queries in parallel, cancellation, the cache keyed by
data version, and the banner when the database is locked or gone."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from shoplens.engines import connect
from shoplens.explorer.cache import ResultCache
from shoplens.explorer.datasource import DatabaseUnavailable, DataSource, QueryCancelled

from .conftest import client_for

#: a cross join of the events with themselves three times: runs far longer than a test
SLOW = "SELECT max(a.quantity + b.quantity * c.quantity) FROM events AS a, events AS b, events AS c"


def test_a_slow_query_neither_blocks_another_nor_outlives_cancel(shop_url: str) -> None:
    source = DataSource(shop_url)
    outcome: list[BaseException] = []

    def slow() -> None:
        try:
            with source.engine(job="slow-1") as engine:
                engine.fetch_all(SLOW)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=slow)
    worker.start()
    deadline = time.monotonic() + 10
    while "slow-1" not in source.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    started = time.perf_counter()
    assert source.version(max_age=0)[2] > 0  # another query answers meanwhile
    assert time.perf_counter() - started < 5
    assert source.cancel("slow-1") is True
    worker.join(20)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], QueryCancelled)
    assert source.running() == []


def test_the_cache_computes_once_for_many_callers() -> None:
    cache = ResultCache(4)
    calls = []

    def compute() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and [v for v, _ in results] == [42] * 8
    assert sorted(hit for _, hit in results) == [False] + [True] * 7
    for i in range(5):
        cache.get_or_compute(f"x{i}", lambda: 0)
    assert len(cache) == 4 and cache.get_or_compute("k", lambda: 7) == (7, False)


def test_a_new_load_invalidates_cached_results(shop_files: Path, tmp_path: Path) -> None:
    from shoplens.ingest.loader import load

    url = f"duckdb:{tmp_path / 'shop.duckdb'}"
    with connect(url) as engine:
        load(engine, [shop_files / "users.csv", shop_files / "products.csv"],
             quarantine_dir=tmp_path)
    # pool_idle=0: this test loads in the explorer's own process, and DuckDB lets one
    # process open a file read-only or read-write, not both (a load runs in another one)
    client = client_for(url, tmp_path / "s.json", pool_idle=0)
    first = client.get("/api/overview").json()
    assert dict(first["counts"])["Events"] == 0
    assert client.get("/api/overview").json()["cached"] is True
    with connect(url) as engine:
        load(engine, shop_files / "events.csv", quarantine_dir=tmp_path)
    time.sleep(1.1)  # the data version is read at most once a second
    after = client.get("/api/overview").json()
    assert after["cached"] is False and dict(after["counts"])["Events"] > 0


def test_a_missing_database_shows_a_banner_and_recovers(shop_files: Path, tmp_path: Path) -> None:
    path = tmp_path / "later.duckdb"
    client = client_for(f"duckdb:{path}", tmp_path / "s.json")
    page = client.get("/trends")
    assert page.status_code == 200 and 'id="banner" class="banner">' in page.text
    assert "is not there" in page.text
    r = client.get("/api/overview")
    assert r.status_code == 503 and r.json()["banner"] is True
    assert client.get("/api/status").json()["ok"] is False
    assert not path.exists()  # read-only: the explorer never creates it
    with connect(f"duckdb:{path}"):
        pass
    status = client.get("/api/status").json()
    assert status == {**status, "ok": True, "message": None}
    assert 'id="banner" class="banner" hidden>' in client.get("/trends").text


def test_a_database_locked_by_a_load_shows_a_banner_and_recovers(shop_duckdb: str,
                                                                tmp_path: Path) -> None:
    import shutil

    path = tmp_path / "locked.duckdb"
    shutil.copy(shop_duckdb.removeprefix("duckdb:"), path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        client = client_for(f"duckdb:{path}", tmp_path / "s.json")
        status = client.get("/api/status").json()
        assert status["ok"] is False and "locked" in status["message"]
        with pytest.raises(DatabaseUnavailable, match="locked"):
            DataSource(f"duckdb:{path}").version()
    finally:
        holder.kill()
        holder.wait()
    assert client.get("/api/status").json()["ok"] is True
    assert client.get("/api/overview").status_code == 200


def test_cancel_through_the_api_stops_the_running_query(shop_duckdb: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's Cancel: ``/api/run`` with a job id, then ``/api/cancel`` with it."""
    import shoplens.explorer.runs as runs

    # an insight whose SQL runs far longer than the test, on the real database
    monkeypatch.setattr(runs, "insight_runner", lambda: lambda engine, q: engine.fetch_all(SLOW))
    client = client_for(shop_duckdb, tmp_path / "s.json")
    answer: list = []
    doc = {"kind": "trends", "series": [{"event": "action:view"}]}
    worker = threading.Thread(target=lambda: answer.append(
        client.post("/api/run", json={"query": doc, "job": "page-job-1"})))
    worker.start()
    source = client.app.state.explorer.source
    deadline = time.monotonic() + 10
    while "page-job-1" not in source.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.get("/api/status").json()["running"] == ["page-job-1"]  # not blocked
    assert client.post("/api/cancel", json={"job": "page-job-1"}).json() == {"cancelled": True}
    worker.join(20)
    assert answer[0].status_code == 409 and answer[0].json()["cancelled"] is True


def test_an_unreachable_server_shows_a_banner_without_its_password(tmp_path: Path) -> None:
    from .browser import free_port
    from .conftest import SECRET

    url = f"postgresql://analyst:{SECRET}@127.0.0.1:{free_port()}/shop"
    client = client_for(url, tmp_path / "s.json")
    for path in ("/trends", "/api/overview", "/api/status", "/segments"):
        r = client.get(path)
        assert SECRET not in r.text, path
    status = client.get("/api/status").json()
    assert status["ok"] is False and "analyst:***@127.0.0.1" in status["message"]
    assert client.get("/api/overview").status_code == 503


def test_engines_are_reused_and_the_file_is_freed_when_idle(shop_duckdb: str,
                                                            tmp_path: Path) -> None:
    """The pool: one engine serves query after query; a moment after the last one the
    file is closed, so a `shoplens load` in another process can open it for writing."""
    import shutil

    path = tmp_path / "pooled.duckdb"
    shutil.copy(shop_duckdb.removeprefix("duckdb:"), path)
    source = DataSource(f"duckdb:{path}", idle_release=0.5)

    def writer_can_open() -> bool:
        code = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
        return subprocess.run([sys.executable, "-c", code, str(path)],
                              capture_output=True).returncode == 0

    for _ in range(5):
        assert source.version(max_age=0)[2] > 0
    assert source.pool == {"idle": 1, "in_use": 0, "opened": 1}
    assert not writer_can_open()  # held between two clicks
    deadline = time.monotonic() + 10
    while source.pool["idle"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert source.pool["idle"] == 0 and writer_can_open()
    assert source.version(max_age=0)[2] > 0 and source.pool["opened"] == 2
    source.close()
