"""The offline parser answers the question set right at least 85 % of the time."""

from __future__ import annotations

from shoplens.engines import Engine

from .accuracy import score
from .questions import CASES, FOREIGN, UNANSWERABLE


def test_question_set_is_large_and_covers_every_kind() -> None:
    assert len(CASES) + len(UNANSWERABLE) + len(FOREIGN) >= 80
    assert {c.kind for c in CASES} == {"trends", "top", "compare", "funnel", "retention",
                                       "lifecycle", "stickiness"}


def test_offline_accuracy(shop_engine: Engine) -> None:
    s = score(shop_engine)
    print("\n" + s.table())
    for q, why in s.wrong:
        print(f"WRONG {q!r}: {why}")
    assert s.accuracy >= 0.85, s.table()
    # every kind is answered, not only the easy ones
    assert all(s.right[k] / s.total[k] >= 0.6 for k in s.total), s.table()
