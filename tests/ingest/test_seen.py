"""The duplicate check's fast path answers exactly what a set would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.ingest import load
from shoplens.ingest.seen import MAX_RUNS, SeenIds, sorted_if_unique

from .helpers import quarantine_rows

ids = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(ids, max_size=40), max_size=12), st.sampled_from([8, 64, 1 << 16]))
def test_any_seen_is_set_membership(batches: list[list[int]], bits: int) -> None:
    """Small bitmaps force false positives of the prefilter: the answer stays exact."""
    seen, reference = SeenIds(bits=bits), set()
    for batch in batches:
        arr = np.array(batch, dtype=np.int64)
        assert seen.any_seen(arr) == bool(reference & set(batch))
        ordered = sorted_if_unique(arr)
        assert (ordered is None) == (len(set(batch)) < len(batch))
        if ordered is not None:
            assert ordered.tolist() == sorted(batch)
        new = np.array(sorted(set(batch) - reference), dtype=np.int64)
        seen.add(new)
        reference |= set(batch)
        assert seen.size == len(reference)
    everything = np.array(sorted(reference), dtype=np.int64)
    for i in range(len(everything)):
        assert seen.any_seen(everything[i:i + 1])


def test_many_batches_merge_their_runs() -> None:
    seen = SeenIds(bits=1 << 20)
    rng = np.random.default_rng(7)
    first = np.unique(rng.integers(0, 2**62, 1000))
    seen.add(first)
    for _ in range(MAX_RUNS + 5):
        seen.add(np.unique(rng.integers(-(2**62), -1, 1000)))
    assert len(seen._runs) <= MAX_RUNS
    assert seen.any_seen(first[500:501])
    assert not seen.any_seen(np.array([2**62 + 1, 2**62 + 2], dtype=np.int64))


def test_bits_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        SeenIds(bits=100)


def test_past_its_capacity_the_set_says_so() -> None:
    seen = SeenIds(bits=1 << 10, max_ids=10)
    seen.add(np.arange(8, dtype=np.int64))
    assert seen.any_seen(np.array([3], dtype=np.int64)) and not seen.overflowed
    seen.add(np.arange(8, 16, dtype=np.int64))
    assert seen.overflowed
    with pytest.raises(RuntimeError, match="overflowed"):
        seen.any_seen(np.array([3], dtype=np.int64))


HEADER = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"


@pytest.mark.parametrize("capacity", [None, 3])
def test_duplicates_across_files_are_found_on_either_path(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capacity: int | None) -> None:
    """The same quarantine whether the fast path answers or (past its capacity) the
    scratch table does."""
    if capacity is not None:
        monkeypatch.setattr("shoplens.ingest.seen.MAX_IDS", capacity)
    rows = [f"2019-10-01 00:00:0{i} UTC,view,p{i},1,c,b,1.00,u{i},s{i}" for i in range(7)]
    files = {"a": [0, 1, 2, 3, 0], "b": [4, 1, 5], "c": [5, 0], "d": [6]}
    paths = []
    for name, picks in files.items():
        paths.append(tmp_path / f"{name}.csv")
        paths[-1].write_text("\n".join([HEADER, *(rows[i] for i in picks)]) + "\n")
    report = load(engine, paths)
    assert report.rows_loaded == 7 and report.rows_quarantined == 4
    a, b = paths[0], paths[1]
    assert [(Path(f).name, line, reason) for f, line, _, reason in quarantine_rows(engine)] == [
        ("a.csv", 6, "exact duplicate of line 2"),
        ("b.csv", 3, f"exact duplicate of line 3 of {a}"),
        ("c.csv", 2, f"exact duplicate of line 4 of {b}"),
        ("c.csv", 3, f"exact duplicate of line 2 of {a}"),
    ]
