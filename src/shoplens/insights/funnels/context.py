"""What every funnel variant shares: the query resolved into steps, windows and joins.

The PostHog counterpart is ``funnel_query_context.py``: one object the variants read,
built once per run. Times inside the funnel SQL are microseconds since 1970 (``k``), so
windows are integers and "strictly later" is "at least one microsecond later".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.schema import FunnelsQuery, parse_duration

US = 1_000_000


@dataclass
class FunnelContext:
    """A validated :class:`FunnelsQuery` with everything the SQL builders need.

    Attributes
    ----------
    windows
        Per step, the most microseconds allowed since the previous completed step
        (``None``: only the global window bounds it; step 0 has none).
    window
        The global window in microseconds, from the entry (step 0) to any later step.
    start, end
        The entry range ``[start, end)`` as naive UTC times (``None``: unbounded).
    scope
        The shared compilers' state (:class:`~shoplens.insights.compile.context.Scope`):
        the property catalogue, bound values and joins of the statement.
    """

    query: FunnelsQuery
    scope: Scope
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        q = self.query
        self.window = parse_duration(q.window) * US
        self.windows: list[int | None] = [
            None if (i == 0 or s.window is None) else parse_duration(s.window) * US
            for i, s in enumerate(q.steps)]

    def bind(self, value: object) -> exp.Placeholder:
        return self.scope.bind(value)

    @property
    def params(self) -> dict[str, object]:
        """The bound values of the statement built so far."""
        return dict(self.scope.binder.params)

    @property
    def n(self) -> int:
        return len(self.query.steps)

    @property
    def last(self) -> int:
        return self.n - 1

    def optional(self, k: int) -> bool:
        return self.query.steps[k].optional

    def preds(self, k: int) -> list[int]:
        """Steps a chain may come from into step ``k``: the previous step, and further
        back over optional steps."""
        out = []
        j = k - 1
        while j >= 0:
            out.append(j)
            if not self.optional(j):
                break
            j -= 1
        return out

    def monotone(self, k: int) -> bool:
        """Whether the best entry of step-``k`` rows never decreases along time.

        Then the latest valid predecessor holds the best entry, and one running maximum
        replaces a maximum over a sliding frame (see :mod:`.ordered`). True for step 0;
        for a later step when its predecessors are monotone and it either has a single
        predecessor step or, with no window of its own, the same exclusions on every
        link into it (a per-step window or an exclusion can end the newer of two chains
        while the older still runs).
        """
        if k == 0:
            return True
        preds = self.preds(k)
        if not all(self.monotone(j) for j in preds):
            return False
        return len(preds) == 1 or (self.windows[k] is None and len(
            {tuple(self.exclusions_between(j, k)) for j in preds}) == 1)

    def exclusions_between(self, j: int, k: int) -> list[int]:
        """Indices of the exclusions whose span covers the transition ``j -> k``."""
        return [i for i, ex in enumerate(self.query.exclusions)
                if ex.from_step < k and j < ex.to_step]

    def label(self, k: int) -> str:
        s = self.query.steps[k]
        return s.name or s.event or "any event"

    def lit(self, n: int) -> exp.Literal:
        return exp.Literal.number(n)
