"""Scoring the offline parser on the question set (shared by the test and the benchmark)."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from shoplens.ask import Asker
from shoplens.ask.answer import answer
from shoplens.engines import Engine
from shoplens.errors import ShopLensError

from .questions import CASES, FOREIGN, UNANSWERABLE


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    wrong: list[tuple[str, str]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, kind: str, ok: bool, question: str, why: str = "") -> None:
        self.total[kind] += 1
        self.right[kind] += ok
        if not ok:
            self.wrong.append((question, why))

    @property
    def accuracy(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))

    def table(self) -> str:
        lines = [f"{'kind':<14}{'right':>7}{'of':>5}{'accuracy':>10}"]
        for kind in sorted(self.total):
            r, t = self.right[kind], self.total[kind]
            lines.append(f"{kind:<14}{r:>7}{t:>5}{r / t:>10.0%}")
        lines.append(f"{'all':<14}{sum(self.right.values()):>7}{sum(self.total.values()):>5}"
                     f"{self.accuracy:>10.0%}")
        return "\n".join(lines)


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if set(a) != set(b) or not a:
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, float | int) and isinstance(y, float | int):
            if not math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9):
                return False
        elif x != y:
            return False
    return True


def score(engine: Engine) -> Score:
    asker = Asker(engine)
    s = Score()
    for case in CASES:
        t0 = time.perf_counter()
        try:
            got = asker.ask(case.question)
            s.seconds.append(time.perf_counter() - t0)
            want = answer(engine, case.expected)
        except Exception as exc:  # a wrong answer, with the reason, not a crashed run
            s.add(case.kind, False, case.question, f"error: {type(exc).__name__}: {exc}")
            continue
        ok = same(got.numbers, want.numbers)
        s.add(case.kind, ok, case.question,
              "" if ok else f"got {got.numbers} ({got.interpretation.intent}), want {want.numbers}")
    for q in UNANSWERABLE:
        got = asker.ask(q)
        s.add("unanswerable", not got.answered and "cannot answer" in got.sentence, q,
              got.sentence)
    for q in FOREIGN:
        try:
            got = asker.ask(q)
            s.add("foreign", False, q, got.sentence)
        except ShopLensError as exc:
            s.add("foreign", "not understood" in str(exc), q, str(exc))
    return s
