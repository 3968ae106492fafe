"""A small pure-Python funnel: every chain tried, no cleverness. The SQL must agree."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ev:
    actor: str
    t: int            # microseconds (or any integer time unit, as long as windows agree)
    id: int
    name: str


@dataclass
class Spec:
    steps: list[str]
    window: int
    step_windows: list[int | None] = field(default_factory=list)
    optional: list[bool] = field(default_factory=list)
    exclusions: list[tuple[str, int, int]] = field(default_factory=list)  # (name, from, to)
    order: str = "ordered"

    def __post_init__(self) -> None:
        n = len(self.steps)
        self.step_windows = self.step_windows or [None] * n
        self.optional = self.optional or [False] * n

    def preds(self, k: int) -> list[int]:
        out, j = [], k - 1
        while j >= 0:
            out.append(j)
            if not self.optional[j]:
                break
            j -= 1
        return out


def counts(events: list[Ev], spec: Spec) -> list[int]:
    """Actors reaching each step (optional steps: only through them)."""
    by_actor: dict[str, list[Ev]] = {}
    for e in sorted(events, key=lambda e: (e.t, e.id)):
        by_actor.setdefault(e.actor, []).append(e)
    n = len(spec.steps)
    out = [0] * n
    for evs in by_actor.values():
        reached = _reached(evs, spec)
        for s in range(n):
            if spec.optional[s]:
                out[s] += s in reached
            else:
                out[s] += any(r >= s for r in reached)
    return out


def _reached(evs: list[Ev], spec: Spec) -> set[int]:
    if spec.order == "any":
        best = 0
        for a in evs:
            if a.name not in spec.steps:
                continue
            names = {e.name for e in evs if a.t <= e.t <= a.t + spec.window}
            best = max(best, sum(1 for s in spec.steps if s in names))
        return set(range(best))
    reached: set[int] = set()
    position = {e.id: i for i, e in enumerate(evs)}

    def link_ok(j: int, k: int, p: Ev, c: Ev, entry: Ev) -> bool:
        if c.t <= p.t or c.name != spec.steps[k]:
            return False
        w = spec.step_windows[k]
        if w is not None and c.t - p.t > w:
            return False
        if c.t - entry.t > spec.window:
            return False
        if spec.order == "strict":
            return position[c.id] == position[p.id] + 1
        for name, lo, hi in spec.exclusions:
            if lo < k and j < hi and any(x.name == name and p.t <= x.t < c.t for x in evs):
                return False
        return True

    def walk(j: int, p: Ev, entry: Ev) -> None:
        reached.add(j)
        for k in range(j + 1, len(spec.steps)):
            if j not in spec.preds(k):
                continue
            for c in evs:
                if link_ok(j, k, p, c, entry):
                    walk(k, c, entry)

    for e in evs:
        if e.name == spec.steps[0]:
            walk(0, e, e)
    return reached
