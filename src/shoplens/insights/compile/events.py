"""Event references -> predicates on ``events AS e``.

``None``/``"*"``: any event (no predicate). ``"payment_done"``: the raw name as the
tracker wrote it (an unknown name is an error listing the closest names).
``"action:purchase"`` / ``"stage:conversion"``: every raw name the event taxonomy puts
in that action or stage — the stored taxonomy (``event_taxonomy``, written by ``shoplens
events categorize`` and the user's mapping file) when there is one, else the taxonomy's
rules applied to the names in the data — plus every event whose canonical
``event_type`` maps to it, so an importer's known spelling counts even before any
categorization.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.errors import ConfigError
from shoplens.events.stages import ACTION_STAGE, EVENT_TYPE_ACTION, STAGES
from shoplens.insights.compile.context import Scope
from shoplens.insights.properties import EVENTS, closest_names, col


def _types_for(kind: str, name: str) -> list[str]:
    """Canonical event types whose action (or its stage) is ``name``."""
    if kind == "action":
        return sorted(t for t, a in EVENT_TYPE_ACTION.items() if a == name)
    return sorted(t for t, a in EVENT_TYPE_ACTION.items() if ACTION_STAGE[a] == name)


def _in(expr: exp.Expression, values: list[exp.Expression]) -> exp.Expression:
    return exp.In(this=expr, expressions=values)


def event_predicate(scope: Scope, ref: str | None, *, option: str = "event"
                    ) -> exp.Expression | None:
    """The predicate selecting the events ``ref`` names (None: every event)."""
    if ref is None or ref.strip() in ("", "*"):
        return None
    kind, _, name = ref.partition(":")
    if kind in ("action", "stage") and _:
        return _taxonomy_predicate(scope, kind, name.strip(), option)
    if not scope.catalogue.has_event(ref):
        names = list(scope.catalogue.event_names)
        close = closest_names(ref, names)
        hint = f"; closest: {', '.join(close)}" if close else (
            f"; known: {', '.join(sorted(names)[:10])}" if names else "; there are no events")
        raise ConfigError(f"{option}: unknown event {ref!r}{hint} (or use action:NAME, "
                          "stage:NAME)")
    return exp.EQ(this=col("raw_event", EVENTS), expression=scope.bind(ref))


def _taxonomy_predicate(scope: Scope, kind: str, name: str, option: str) -> exp.Expression:
    known = tuple(ACTION_STAGE) if kind == "action" else STAGES
    if name not in known:
        close = closest_names(name, known)
        raise ConfigError(f"{option}: unknown {kind} {name!r}; "
                          f"{'closest' if close else 'use one of'}: "
                          f"{', '.join(close or known)}")
    types = _types_for(kind, name)
    by_type = _in(col("event_type", EVENTS), [scope.bind(t) for t in types]) if types else None
    if scope.catalogue.has_taxonomy:
        names = (exp.select("raw_event").from_("event_taxonomy")
                 .where(exp.EQ(this=exp.column(kind), expression=scope.bind(name))))
        by_name: exp.Expression = exp.In(this=col("raw_event", EVENTS),
                                          query=names.subquery())
    else:
        pos = 1 if kind == "action" else 0
        raws = sorted(r for r, v in scope.catalogue.taxonomy_in_memory().items()
                      if v[pos] == name)
        if not raws:
            return by_type if by_type is not None else exp.false()
        by_name = _in(col("raw_event", EVENTS), [scope.bind(r) for r in raws])
    return by_name if by_type is None else exp.or_(by_name, by_type)


def taxonomy_case(scope: Scope, which: str) -> exp.Expression:
    """``event.stage``/``event.action`` without a stored taxonomy: the rules' answer
    per raw name as a CASE over bound names."""
    pos = 0 if which == "stage" else 1
    mapping = scope.catalogue.taxonomy_in_memory()
    case = exp.Case(this=col("raw_event", EVENTS))
    for raw, value in sorted(mapping.items()):
        if value[pos] != "other":
            case = case.when(scope.bind(raw), scope.bind(value[pos]))
    return case.else_(exp.Literal.string("other"))
