"""Checks run before any funnel query: small rule classes, as PostHog's
``funnel_validation_rules.py``. Each raises :class:`~shoplens.errors.ConfigError` with
one line naming the step or option; notes are things worth saying but not worth
refusing. (Fewer than 2 steps, windows that do not parse: the query model refuses them.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from shoplens.errors import ConfigError
from shoplens.insights.schema import FunnelsQuery


@dataclass
class Checked:
    """Notes for the result: things worth saying but not worth refusing."""

    notes: list[str] = field(default_factory=list)


def _step_name(q: FunnelsQuery, i: int) -> str:
    s = q.steps[i]
    return f"step {i + 1} ({s.name or s.event or 'any event'})"


class OrderRules:
    """What each order mode can do."""

    def check(self, q: FunnelsQuery, out: Checked) -> None:
        if q.order == "any":
            for i, s in enumerate(q.steps):
                if s.window is not None and i > 0:
                    raise ConfigError(f"{_step_name(q, i)}: a per-step window needs order "
                                      "'ordered' or 'strict' (steps in any order have no previous step)")
                if s.optional:
                    raise ConfigError(f"{_step_name(q, i)}: optional steps need order "
                                      "'ordered' or 'strict'")
            if q.exclusions:
                raise ConfigError("exclusions need order 'ordered' or 'strict' (in any order "
                                  "there is no 'between two steps')")
            if q.view == "time_to_convert":
                raise ConfigError("time to convert needs order 'ordered' or 'strict'")
            if q.attribution != "first_touch":
                out.notes.append("in an any-order funnel every attribution takes the value "
                                 "at the event the funnel started from")
        if q.order == "strict" and q.exclusions:
            out.notes.append("exclusions have no effect on a strict funnel: no event can "
                             "fall between two consecutive steps")
        if q.view == "trends" and q.breakdowns:
            raise ConfigError("the trends view takes no breakdown: run the steps view per "
                              "breakdown value instead")


class ExclusionRules:
    """An exclusion cannot be one of the steps it sits between (PostHog's rule too)."""

    def check(self, q: FunnelsQuery, out: Checked) -> None:
        for ex in q.exclusions:
            for i in range(ex.from_step, ex.to_step + 1):
                s = q.steps[i]
                if s.event == ex.event and list(s.filters) == list(ex.filters):
                    raise ConfigError(f"exclusion {ex.event!r} is {_step_name(q, i)} itself: "
                                      "exclude an event that is not a step of its span")


def check(q: FunnelsQuery) -> list[str]:
    """Run every rule; returns the notes. Unknown events and properties are the shared
    compilers' errors (:mod:`shoplens.insights.compile`), raised while the statement is
    built, before it runs."""
    out = Checked()
    OrderRules().check(q, out)
    ExclusionRules().check(q, out)
    return out.notes
