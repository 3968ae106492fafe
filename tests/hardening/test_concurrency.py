"""Concurrent loads take turns (the second waits, with a message, or fails clearly with
``--no-wait``), into a new database and an existing one; a server stopped mid-load is
one clear message."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from shoplens.engines import connect
from shoplens.errors import BusyError, ConnectionLostError
from shoplens.ingest import load
from shoplens.testing.postgres import PostgresServer

from .data import REES, rees_row, write_csv


def _files(tmp_path: Path, n: int) -> list[Path]:
    return [write_csv(tmp_path / f"part{i}.csv", REES,
                      [rees_row(user=f"u{i}-{j}", session=f"s{i}-{j}") for j in range(50)])
            for i in range(n)]


def _race(url: str, files: list[Path]) -> list[BaseException]:
    """Each file loaded by its own thread and connection, all released at once."""
    start = threading.Barrier(len(files))
    errors: list[BaseException] = []

    def run(path: Path) -> None:
        try:
            start.wait()
            with connect(url) as engine:
                load(engine, [path])
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_loads_into_a_new_database_take_turns(db_url: str, tmp_path: Path) -> None:
    files = _files(tmp_path, 3)
    assert _race(db_url, files) == []
    with connect(db_url) as engine:
        assert engine.scalar("SELECT count(*) FROM events") == 150
        assert engine.scalar("SELECT count(*) FROM loads") == 3


def test_loads_into_an_existing_database_take_turns(db_url: str, tmp_path: Path) -> None:
    first, *rest = _files(tmp_path, 4)
    with connect(db_url) as engine:
        load(engine, [first])
    assert _race(db_url, rest) == []
    with connect(db_url) as engine:
        assert engine.scalar("SELECT count(*) FROM events") == 200
        assert engine.scalar("SELECT count(*) FROM sessions") == 200


def test_the_second_load_waits_or_fails_with_no_wait(db_url: str, tmp_path: Path,
                                                     shoplens) -> None:
    path, = _files(tmp_path, 1)
    holder = connect(db_url)
    told: list[str] = []
    done = threading.Event()
    try:
        with holder.exclusive("load"):
            res = shoplens("load", path, "--no-wait", "--db", db_url)
            assert res.exit_code == 2, res.output
            assert "error: another load into" in res.stderr and "is running" in res.stderr
            with pytest.raises(BusyError), connect(db_url) as engine:
                load(engine, [path], wait=False)

            def waiting_load() -> None:
                with connect(db_url) as engine:
                    load(engine, [path], on_wait=told.append)
                done.set()

            t = threading.Thread(target=waiting_load)
            t.start()
            for _ in range(600):
                if told:
                    break
                done.wait(0.1)
            assert told and told[0].startswith("waiting for another load into")
            assert not done.is_set()
        t.join(120)
        assert done.is_set()
        assert holder.scalar("SELECT count(*) FROM events") == 50
    finally:
        holder.close()


def test_a_server_stopped_mid_load_is_one_clear_message(tmp_path: Path) -> None:
    server = PostgresServer().start()
    try:
        url = server.create_database().replace("postgres@", "postgres:pw-S3cret@")
        path, = _files(tmp_path, 1)
        stopped: list[bool] = []

        def stop_server(_desc: str, _done: int, _total: int | None) -> None:
            if not stopped:
                stopped.append(True)
                server.stop()

        engine = connect(url)
        with pytest.raises(ConnectionLostError) as err:
            load(engine, [path], progress=stop_server)
        message = str(err.value)
        assert "\n" not in message and message.startswith("lost the connection to PostgreSQL")
        assert "nothing of the unfinished work was committed" in message
        assert "pw-S3cret" not in message
        assert err.value.__cause__ is None and err.value.__suppress_context__
        engine.close()
    finally:
        server.stop()
