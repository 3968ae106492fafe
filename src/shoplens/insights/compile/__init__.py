"""SQLGlot builders every insight shares (and funnels/paths reuse).

- :mod:`.context`: :class:`Compiled` (statement + bound values), :class:`Scope`
  (binder, joins, engine features), :func:`check_engine`;
- :mod:`.sources`: ``events AS e`` with the joins the properties need;
- :mod:`.events`: event references (raw names, ``action:``, ``stage:``) -> predicates;
- :mod:`.filters`: property filters (AND/OR, every operator) -> predicates;
- :mod:`.breakdowns`: breakdown columns, top-N plus "other", numeric bins;
- :mod:`.math`: aggregates (counts, distinct users/sessions, sums, percentiles ...);
- :mod:`.dates`: date ranges (absolute, relative, time zones), intervals, buckets.

Typical use (what the trends compiler does)::

    scope = Scope(Catalogue(engine), timezone=query.date_range.timezone)
    where = [range_predicate(scope, rng), event_predicate(scope, s.event),
             filters_predicate(scope, query.filters)]
    select = from_events(scope, exp.select(...).where(*[w for w in where if w]))
    Compiled(select, scope.binder.params)
"""

from __future__ import annotations

from shoplens.insights.compile.breakdowns import (
    OTHER,
    Breakdowns,
    CompiledBreakdown,
    compile_breakdowns,
    ranked,
)
from shoplens.insights.compile.context import Binder, Compiled, Scope, check_engine
from shoplens.insights.compile.dates import (
    ResolvedRange,
    buckets,
    range_predicate,
    resolve_range,
    trunc,
)
from shoplens.insights.compile.events import event_predicate
from shoplens.insights.compile.filters import filter_predicate, filters_predicate
from shoplens.insights.compile.math import aggregate, math_value
from shoplens.insights.compile.sources import from_events

__all__ = [
    "OTHER", "Binder", "Breakdowns", "Compiled", "CompiledBreakdown", "ResolvedRange",
    "Scope", "aggregate", "buckets", "check_engine", "compile_breakdowns", "event_predicate",
    "filter_predicate", "filters_predicate", "from_events", "math_value", "range_predicate",
    "ranked", "resolve_range", "trunc",
]
