"""A plain clone runs the suite: the fixtures are in the repository, nothing reads ../shared."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_rees46_sample_is_in_the_repository(rees46_sample: Path) -> None:
    assert rees46_sample.is_relative_to(TESTS / "fixtures")
    assert rees46_sample.read_text().count("\n") == 1001  # header + 1,000 rows


def test_no_test_reads_outside_the_checkout() -> None:
    outside = re.compile(r"""["'/]shared["'/]|\.parent\s*/\s*["']shared|SHARED_FIXTURES""")
    offenders = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                 if p != Path(__file__).resolve() and outside.search(p.read_text())]
    assert offenders == []
