"""Line numbers stay exact when DuckDB parses a large CSV in parallel.

The loader numbers CSV rows as they stream out of the scratch DuckDB (in file order,
which it preserves) instead of a ``row_number()`` window that would force one thread.
A file of several parser buffers, with bad rows and a duplicate planted far apart,
must be reported at exactly those lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.engines import connect
from shoplens.errors import InputError
from shoplens.ingest import load

HEADER = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
ROWS = 600_000  # about 70 MB: many parser buffers, so both threads take part
BAD = {2: ("event_time", "unparsable time"), 123_457: ("price", "unparsable price"),
       300_001: ("event_type", "unknown event type"), ROWS + 1: ("user_id", "missing user id")}
DUPLICATE_OF = (4_000, 450_000)  # line 450,000 repeats line 4,000


def _row(i: int) -> str:
    return (f"2019-10-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d} UTC,view,"
            f"{1000 + i % 5000},2053013552326770905,electronics.smartphone,acme,{i % 997}.50,"
            f"{500000 + i % 20000},sess-{i // 7:08d}")


def _write(path: Path, bad: dict[int, tuple[str, str]], duplicate: tuple[int, int] | None) -> Path:
    lines = [HEADER]
    for line in range(2, ROWS + 2):
        text = _row(line)
        if duplicate and line == duplicate[1]:
            text = _row(duplicate[0])
        elif line in bad:
            parts = text.split(",")
            col = HEADER.split(",").index(bad[line][0])
            parts[col] = {"event_time": "yesterday", "price": "12;5",
                          "event_type": "teleport", "user_id": ""}[bad[line][0]]
            text = ",".join(parts)
        lines.append(text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("lines") / "big.csv", BAD, DUPLICATE_OF)


def test_quarantined_lines_are_exact_in_a_large_file(big_csv: Path, tmp_path: Path) -> None:
    engine = connect(f"duckdb:{tmp_path / 'lines.duckdb'}")
    try:
        report = load(engine, [big_csv])
        got = engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line")
    finally:
        engine.close()
    want = sorted([(line, field, reason) for line, (field, reason) in BAD.items()]
                  + [(DUPLICATE_OF[1], None, f"exact duplicate of line {DUPLICATE_OF[0]}")])
    assert [(line, field) for line, field, _ in got] == [(line, field) for line, field, _ in want]
    for (_, _, reason), (_, _, expected) in zip(got, want, strict=True):
        assert reason.startswith(expected)
    assert report.files[0].rows_read == ROWS
    assert report.files[0].rows_loaded == ROWS - len(BAD) - 1


def test_strict_names_the_exact_line_late_in_a_large_file(tmp_path: Path) -> None:
    late = _write(tmp_path / "late.csv", {456_789: ("price", "unparsable price")}, None)
    engine = connect(f"duckdb:{tmp_path / 'strict.duckdb'}")
    try:
        with pytest.raises(InputError) as err:
            load(engine, [late], strict=True)
        assert (err.value.line, err.value.field) == (456_789, "price")
        assert not engine.scalar("SELECT count(*) FROM events")
    finally:
        engine.close()
