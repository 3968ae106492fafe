"""Bad input at load time ends as a quarantined row or one clear error, never a
traceback: implausible times, late encoding errors and ragged rows, CRLF/LF mixes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.ingest import load

from .data import REES, rees_row, shop_rows, write_csv


def _count(engine: Engine, table: str) -> int:
    return int(engine.scalar(f"SELECT count(*) FROM {table}"))


def test_implausible_times_are_quarantined(engine: Engine, db_url: str, tmp_path: Path,
                                           shoplens) -> None:
    future = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S UTC")
    rows = [*shop_rows(2), rees_row(t="9999-10-01 00:00:00 UTC", user="u9"),
            rees_row(t="0001-01-01 00:00:00 UTC", user="u9"),
            rees_row(t="1989-12-31 23:59:59 UTC", user="u9"), rees_row(t=future, user="u9")]
    path = write_csv(tmp_path / "times.csv", REES, rows)
    report = load(engine, [path])
    assert report.rows_quarantined == 4 and report.rows_loaded == len(rows) - 4
    reasons = engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line")
    assert [r[0] for r in reasons] == list(range(len(rows) - 2, len(rows) + 2))
    assert all(f == "event_time" and r.startswith("implausible time") for _, f, r in reasons)
    assert '"9999-10-01 00:00:00"' in reasons[0][2] and "accepted: 1990-01-01 to" in reasons[0][2]
    assert _count(engine, "events") == len(rows) - 4
    # the rollups and every analysis still work
    res = shoplens("metrics", "--db", db_url)
    assert res.exit_code == 0, res.output
    res = shoplens("cohorts", "--db", db_url)
    assert res.exit_code == 0, res.output


def test_the_window_is_configurable(engine: Engine, db_url: str, tmp_path: Path,
                                    shoplens) -> None:
    path = write_csv(tmp_path / "old.csv", REES, [rees_row(t="1985-06-01 00:00:00 UTC"),
                                                  rees_row(t="2024-03-01 00:00:00 UTC")])
    report = load(engine, [path], earliest=datetime(1980, 1, 1))
    assert report.rows_quarantined == 0
    path2 = write_csv(tmp_path / "soon.csv", REES, [rees_row(
        t=(datetime.now() + timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S UTC"), user="u7")])
    res = shoplens("load", path2, "--db", db_url, "--max-future-days", "10")
    assert res.exit_code == 0 and _count(engine, "quarantine") == 0
    res = shoplens("load", path2, "--db", db_url, "--earliest", "9999-01-01")
    assert res.exit_code == 2 and "--earliest" in res.stderr


def _big(tmp_path: Path, name: str, tail: bytes) -> tuple[Path, int]:
    """A file whose first 4 MB are fine, then ``tail``: returns it and the tail's line."""
    head = (",".join(REES) + "\n").encode()
    row = (",".join(rees_row()) + "\n").encode()
    n = (5 << 20) // len(row)
    path = tmp_path / name
    path.write_bytes(head + row * n + tail + row * 3)
    return path, n + 2


@pytest.mark.parametrize(("tail", "says"), [
    ((",".join(rees_row(brand="acm\xe9"))).encode("latin-1") + b"\n", "not UTF-8 text"),
    ((",".join(rees_row()) + ",extra\n").encode(), "the row has more cells than the header's 9"),
])
def test_late_bad_bytes_and_ragged_rows(engine: Engine, db_url: str, tmp_path: Path,
                                        shoplens, tail: bytes, says: str) -> None:
    path, line = _big(tmp_path, "late.csv", tail)
    with pytest.raises(InputError) as err:
        load(engine, [path])
    assert err.value.line == line and err.value.file == str(path) and says in str(err.value)
    assert _count(engine, "events") == 0
    res = shoplens("load", path, "--db", db_url)
    assert res.exit_code == 2 and "Traceback" not in res.output
    message = " ".join(res.stderr.split())
    assert message.startswith(f"error: file {path}, line {line}: ") and says in message
