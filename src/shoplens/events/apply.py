"""The event taxonomy applied: every tracker's names count as the canonical event types.

The importers set ``events.event_type`` only for the spellings they know; the event
taxonomy (:mod:`shoplens.events.taxonomy`: rules, embeddings, an LLM, the user's
mapping file) decides an action for every raw name. This module stores the canonical
mapping in the events themselves, so every analysis that reads ``event_type``
(revenue, funnels, cohorts, the report, the insight queries) counts a clickstream's
``payment_done`` as a purchase without any hand mapping:

- the actions with a canonical type (:data:`CANONICAL_TYPE`: view, cart, remove, purchase,
  refund) set ``event_type`` on the events of every raw name the stored taxonomy puts
  there; a name whose action has none keeps the importer's type;
- what was set is recorded in ``event_type_applied`` (raw name -> type), so when the
  mapping changes (``shoplens events categorize --mapping FILE``) a name moved to an
  action without a canonical type goes back to NULL;
- every load applies it to its own rows (a post-load hook that first stores the rules'
  decision for names the taxonomy has not seen, confidence as the rules give it; the
  embedding and LLM layers stay with ``events categorize``), before the rollups are
  refreshed; ``categorize`` re-applies it to all events and refreshes the rollups of the
  days it changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from shoplens.engines import Engine
from shoplens.events.stages import EVENT_TYPE_ACTION

if TYPE_CHECKING:
    from shoplens.ingest.hooks import LoadScope

#: action -> the canonical events.event_type it means
CANONICAL_TYPE: dict[str, str] = {action: t for t, action in EVENT_TYPE_ACTION.items()}
APPLIED = "event_type_applied"
_CHUNK = 500


def _ensure(engine: Engine) -> None:
    from shoplens.events.taxonomy import ensure_table

    ensure_table(engine)
    engine.execute("CREATE TABLE IF NOT EXISTS event_type_applied ("
                   "raw_event TEXT PRIMARY KEY, event_type TEXT)")


def _targets(engine: Engine) -> dict[str, str | None]:
    """raw name -> the event_type the stored taxonomy gives it (None: keep/unset)."""
    rows = engine.fetch_all("SELECT raw_event, action FROM event_taxonomy")
    return {str(raw): CANONICAL_TYPE.get(str(action)) for raw, action in rows}


def _marks(prefix: str, values: Sequence[str]) -> tuple[str, dict[str, str]]:
    return (", ".join(f":{prefix}{i}" for i in range(len(values))),
            {f"{prefix}{i}": v for i, v in enumerate(values)})


def _present(engine: Engine, load_id: int | None) -> list[tuple]:
    """(raw name, event type, events): one scan of events, or of one load's rows."""
    where = "" if load_id is None else "WHERE load_id = :load"
    return engine.fetch_all(f"SELECT raw_event, event_type, COUNT(*) FROM events {where} "
                            "GROUP BY raw_event, event_type",
                            {"load": load_id} if load_id is not None else None)


def apply_taxonomy(engine: Engine, *, load_id: int | None = None,
                   present: list[tuple] | None = None
                   ) -> tuple[int, datetime | None, datetime | None]:
    """Set ``events.event_type`` from the stored taxonomy (only the rows of ``load_id``
    when given). Returns the rows changed and the time span they cover."""
    with engine.transaction():
        _ensure(engine)
        targets = _targets(engine)
        applied = dict(engine.fetch_all("SELECT raw_event, event_type FROM event_type_applied"))
        scope = "" if load_id is None else " AND load_id = :load"
        binds = {} if load_id is None else {"load": load_id}
        present = present if present is not None else _present(engine, load_id)
        todo: dict[str | None, list[str]] = {}
        for raw, current, _n in present:
            raw = str(raw)
            if raw not in targets:
                continue
            target = targets[raw]
            if target is None and raw not in applied:
                continue  # no canonical type, never set by us: the importer's stays
            if current != target:
                todo.setdefault(target, []).append(raw)
        changed, lo, hi = 0, None, None
        for target, names in todo.items():
            for start in range(0, len(names), _CHUNK):
                chunk = sorted(set(names))[start:start + _CHUNK]
                marks, params = _marks("n", chunk)
                params.update(binds)
                cond = (f"raw_event IN ({marks}){scope} AND "
                        + ("event_type IS NOT NULL" if target is None
                           else "(event_type IS NULL OR event_type <> :t)"))
                if target is not None:
                    params["t"] = target
                n, first, last = engine.fetch_all(
                    f"SELECT COUNT(*), MIN(event_time), MAX(event_time) FROM events WHERE {cond}",
                    params)[0]
                if not n:
                    continue
                value = "NULL" if target is None else ":t"
                engine.execute(f"UPDATE events SET event_type = {value} WHERE {cond}", params)
                changed += int(n)
                lo = first if lo is None or (first is not None and first < lo) else lo
                hi = last if hi is None or (last is not None and last > hi) else hi
        _record(engine, targets, applied)
    return changed, lo, hi


def _record(engine: Engine, targets: dict[str, str | None], applied: dict[str, str | None]
            ) -> None:
    """Remember which names carry a type set by the taxonomy."""
    want = {raw: t for raw, t in targets.items() if t is not None or raw in applied}
    stale = [raw for raw in want if applied.get(raw, "\0") != want[raw]]
    for start in range(0, len(stale), _CHUNK):
        marks, params = _marks("n", stale[start:start + _CHUNK])
        engine.execute(f"DELETE FROM event_type_applied WHERE raw_event IN ({marks})", params)
    if stale:
        engine.append_df(APPLIED, pd.DataFrame({
            "raw_event": stale, "event_type": [want[r] for r in stale]}))


def reapply(engine: Engine) -> int:
    """Apply to every event and refresh the derived tables of the days that changed
    (the post-load hooks, as if those days had been loaded again)."""
    from shoplens.ingest.hooks import POST_LOAD_HOOKS, LoadScope, resolve

    with engine.transaction():
        changed, lo, hi = apply_taxonomy(engine)
        if changed and lo is not None and hi is not None:
            scope = LoadScope(load_id=-1, tables=frozenset({"events"}), min_time=lo, max_time=hi)
            for spec in POST_LOAD_HOOKS:
                if spec != HOOK:
                    resolve(spec)(engine, scope)
    return changed


def store_rule_decisions(engine: Engine, present: list[tuple]) -> None:
    """Store the rules' decision for raw names the taxonomy has not seen (no model).

    ``present``: (raw name, event type, events) rows, as :func:`_present` reads them."""
    from shoplens.events import rules
    from shoplens.events.stages import ACTION_STAGE
    from shoplens.events.taxonomy import TaxonomyEntry, _write_cache

    known = {str(r[0]) for r in engine.fetch_all("SELECT raw_event FROM event_taxonomy")}
    types: dict[str, set[str | None]] = {}
    for raw, etype, _n in present:
        if str(raw) not in known:
            types.setdefault(str(raw), set()).add(etype)
    entries = []
    for raw, seen in sorted(types.items()):
        m = rules.match_known(raw)
        (only,) = seen if len(seen) == 1 else (None,)
        if m is None and only in EVENT_TYPE_ACTION:
            action = EVENT_TYPE_ACTION[str(only)]
            entries.append(TaxonomyEntry(raw, ACTION_STAGE[action], action, 1.0, "rule",
                                         decided_by=f"importer event_type={only}"))
            continue
        m = m or rules.match_keywords(raw)
        if m is not None:
            entries.append(TaxonomyEntry(raw, m.stage, m.action, m.confidence, "rule",
                                         decided_by=f"{m.rule} rule"))
    if entries:
        _write_cache(engine, entries)


HOOK = "shoplens.events.apply:apply_after_load"


def apply_after_load(engine: Engine, scope: LoadScope) -> None:
    """Post-load hook: type the load's events by the taxonomy (before the rollups)."""
    if scope.load_id < 0 or (scope.tables and "events" not in scope.tables):
        return
    with engine.transaction():
        _ensure(engine)
        present = _present(engine, scope.load_id)
        store_rule_decisions(engine, present)
        apply_taxonomy(engine, load_id=scope.load_id, present=present)
