"""Properties of loads, checked with hypothesis on both engines: loading twice is loading
once, and a file split in two parts loads to the same tables as the whole file."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine, connect
from shoplens.ingest import load

from .helpers import snapshot

PROPS = settings(max_examples=3, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@contextlib.contextmanager
def fresh_engine(kind: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    if kind == "duckdb":
        with tempfile.TemporaryDirectory() as tmp, connect(f"duckdb:{tmp}/p.duckdb") as eng:
            yield eng
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    try:
        with connect(url) as eng:
            yield eng
    finally:
        server.drop_database(url)


def _lines(sample: Path) -> list[str]:
    return sample.read_text().splitlines()


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
@PROPS
@given(split=st.integers(min_value=1, max_value=999), dup=st.integers(min_value=0, max_value=50))
def test_split_file_equals_whole(kind: str, request: pytest.FixtureRequest, rees46_sample: Path,
                                 split: int, dup: int) -> None:
    header, *rows = _lines(rees46_sample)
    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp) / "whole.csv"
        whole.write_text("\n".join([header, *rows]) + "\n")
        # the parts overlap by ``dup`` rows: overlapping rows must not be added twice
        a, b = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
        a.write_text("\n".join([header, *rows[:split]]) + "\n")
        b.write_text("\n".join([header, *rows[max(0, split - dup):]]) + "\n")
        with fresh_engine(kind, request) as one:
            load(one, [whole])
            expected = snapshot(one)
        with fresh_engine(kind, request) as two:
            load(two, [a])
            report = load(two, [b])
            assert report.files[0].rows_already_present == min(dup, split)
            assert snapshot(two) == expected
        with fresh_engine(kind, request) as together:
            report = load(together, [a, b])  # one load: the overlap is a duplicate within it
            assert report.rows_quarantined == min(dup, split)
            assert snapshot(together) == expected


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
@PROPS
@given(rows=st.lists(st.tuples(
    st.sampled_from(["u1", "u2", "O'Brien"]),
    st.sampled_from(["page_view", "add_to_cart", "purchase", "weird \"event\", really"]),
    st.integers(min_value=0, max_value=4000),
    st.sampled_from(["", "p1", "p,2"]),
), min_size=1, max_size=30))
def test_load_twice_equals_once(kind: str, request: pytest.FixtureRequest,
                                rows: list[tuple[str, str, int, str]]) -> None:
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clicks.csv"
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["user_id", "event", "timestamp", "product_id"])
            for user, event, minute, product in rows:
                w.writerow([user, event, "2024-01-01T00:00:00Z", product] if minute < 0 else
                           [user, event, f"{1704067200 + 60 * minute}", product])
        copy = Path(tmp) / "copy.csv"
        copy.write_text(path.read_text() + "u9,late,1764067200,\n")  # 2025-11-25
        with fresh_engine(kind, request) as eng:
            first = load(eng, [path])
            once = snapshot(eng)
            second = load(eng, [copy])  # same rows (another file) plus one new row
            assert second.files[0].rows_already_present == first.rows_loaded
            assert second.files[0].rows_loaded == 1
            twice = snapshot(eng)
            assert len(twice["events"]) == len(once["events"]) + 1
            assert {k: v for k, v in twice.items() if k != "events" and k != "users"
                    and k != "sessions"} == {k: v for k, v in once.items() if k != "events"
                                             and k != "users" and k != "sessions"}
            assert set(once["events"]) <= set(twice["events"])
            assert set(once["sessions"]) <= set(twice["sessions"])
