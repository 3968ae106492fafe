"""Same parameters, same bytes; another seed, another shop."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from shoplens.generate import GenerateParams, generate


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, parquet: bool) -> None:
    params = GenerateParams(users=1_500, months=4, seed=11, parquet=parquet)
    generate(params, tmp_path / "a")
    generate(params, tmp_path / "b")
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert len(a) == 5
    assert a == b


def test_other_seed_gives_other_data(tmp_path: Path) -> None:
    generate(GenerateParams(users=500, months=2, seed=1), tmp_path / "a")
    generate(GenerateParams(users=500, months=2, seed=2), tmp_path / "b")
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert all(a[name] != b[name] for name in a)


def test_more_users_keep_the_first_users_behaviour(tmp_path: Path) -> None:
    """Users are drawn in fixed blocks: a larger run shares the smaller run's personas
    for the users they have in common (what lets --events size a run reliably)."""
    from shoplens.generate.calendar import Calendar
    from shoplens.generate.users import draw_users

    cal = Calendar.build(GenerateParams().start, 12)
    small, large = draw_users(5_000, cal, 9), draw_users(12_000, cal, 9)
    for name in ("signup", "persona", "session_rate", "favourites", "active_until"):
        assert (getattr(large, name)[:5_000] == getattr(small, name)).all(), name
