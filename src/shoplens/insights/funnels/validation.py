"""Checks run before any funnel query: small rule classes, as PostHog's
``funnel_validation_rules.py``. Each raises :class:`~shoplens.errors.ConfigError` with
one line naming the step, option or property; notes are things worth saying but not
worth refusing."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.events.stages import ACTIONS, STAGES
from shoplens.insights.funnels.refs import resolve_property
from shoplens.insights.schema import FunnelsQuery, PropertyFilter


@dataclass
class Checked:
    """What the checks found: JSON property keys seen, and notes for the result."""

    json_keys: frozenset[str] = frozenset()
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


class PropertyRules:
    """Every property a filter or the breakdown names exists."""

    def check(self, q: FunnelsQuery, engine: Engine, out: Checked) -> None:
        refs = [f.property for f in _all_filters(q)]
        refs += [b.property for b in q.breakdowns]
        keys: set[str] = set()
        for ref in refs:
            kind, _, name = ref.partition(".")
            if not name and ref in _column_names():
                continue
            if (kind == "event" and name and name not in _column_names("event")
                    and name != "revenue") or not name:
                key = name or ref
                if _json_key_seen(engine, key):
                    keys.add(key)
            try:
                resolve_property(ref, frozenset(keys))
            except ConfigError as exc:
                raise ConfigError(f"{exc} in {_where(q, ref)}") from None
        out.json_keys = frozenset(keys)


def _where(q: FunnelsQuery, ref: str) -> str:
    return "the breakdown" if any(b.property == ref for b in q.breakdowns) else "the filters"


def _column_names(kind: str | None = None) -> set[str]:
    from shoplens.insights.funnels.refs import EVENT_COLUMNS, PRODUCT_COLUMNS, USER_COLUMNS

    by = {"event": EVENT_COLUMNS, "product": PRODUCT_COLUMNS, "user": USER_COLUMNS}
    if kind:
        return set(by[kind])
    return set(EVENT_COLUMNS) | set(PRODUCT_COLUMNS) | set(USER_COLUMNS) | {"revenue"}


def _json_key_seen(engine: Engine, key: str) -> bool:
    pattern = '%"' + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    return bool(engine.fetch_all(
        "SELECT 1 FROM events WHERE properties LIKE :p LIMIT 1", {"p": pattern}))


def _all_filters(q: FunnelsQuery) -> list[PropertyFilter]:
    from shoplens.insights.schema import FilterGroup

    out: list[PropertyFilter] = []

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for f in items:
            if isinstance(f, FilterGroup):
                walk(f.filters)
            else:
                out.append(f)

    walk(list(q.filters))
    for s in q.steps:
        walk(list(s.filters))
    for ex in q.exclusions:
        walk(list(ex.filters))
    return out


class EventRules:
    """Every step and exclusion names an event, action or stage the data has."""

    def check(self, q: FunnelsQuery, engine: Engine, out: Checked) -> None:
        refs = [(_step_name(q, i), s.event) for i, s in enumerate(q.steps)]
        refs += [(f"exclusion {ex.event!r}", ex.event) for ex in q.exclusions]
        names: list[str] | None = None
        for where, ref in refs:
            if ref is None:
                continue
            for prefix, known in (("action:", ACTIONS), ("stage:", STAGES)):
                if ref.startswith(prefix):
                    value = ref[len(prefix):]
                    if value not in known:
                        raise ConfigError(f"{where}: unknown {prefix[:-1]} {value!r}"
                                          f"{_close(value, list(known))}")
                    break
            else:
                if engine.fetch_all("SELECT 1 FROM events WHERE raw_event = :n LIMIT 1",
                                    {"n": ref}):
                    continue
                if names is None:
                    names = [str(r[0]) for r in engine.fetch_all(
                        "SELECT DISTINCT raw_event FROM events")]
                raise ConfigError(f"{where}: no event is named {ref!r}"
                                  f"{_close(ref, names + [f'action:{a}' for a in ACTIONS])}")


def _close(value: str, names: list[str]) -> str:
    close = difflib.get_close_matches(value, names, n=3, cutoff=0.5)
    if not close:
        close = [n for n in names if value.lower() in n.lower()][:3]
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def check(q: FunnelsQuery, engine: Engine) -> Checked:
    """Run every rule; the query is safe to compile when this returns."""
    out = Checked()
    OrderRules().check(q, out)
    ExclusionRules().check(q, out)
    EventRules().check(q, engine, out)
    PropertyRules().check(q, engine, out)
    return out
