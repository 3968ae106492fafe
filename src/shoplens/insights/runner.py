"""The one entry point of every insight: ``run(engine, query) -> InsightResult``.

Dispatches a validated query document (:mod:`shoplens.insights.schema`) to its runner:
trends, lifecycle, stickiness and retention here; other kinds register theirs with
:func:`register_runner` (funnels, paths).

The planner seam
----------------
Trends first asks :func:`plan` whether pre-aggregated tables (rollups) can answer::

    plan(engine, query, resolved) -> Compiled | None

``resolved`` is a :class:`~shoplens.insights.trends.compile.ResolvedTrends`: the local
date range (``resolved.range``), the resolved breakdowns (``resolved.breakdowns.items``,
each with ``prop.ref`` and bin edges), the joins and engine features the raw statement
needs (``resolved.scope``). A planner that can answer returns a
:class:`~shoplens.insights.compile.Compiled` with ``source="rollups"`` whose rows have
exactly the columns of the raw statement (``series, bucket, bd_0.., bd_other, value``;
see :mod:`shoplens.insights.trends.compile`) and the same values; ``None`` means "read
the raw events". By default there is no planner (:data:`None`): the rollup planner
installs itself with :func:`set_planner`. The raw statement of a query is
:func:`~shoplens.insights.trends.compile.compile_trends`, for equality tests.

Retention, lifecycle and stickiness start from :func:`prologue`: the resolved range
and either the planner's relations over the user-day rollup (:func:`plan_sources`) or
a scope for the raw statement; everything past those relations is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.insights.compile.context import Binder, Compiled, Scope
from shoplens.insights.compile.dates import ResolvedRange
from shoplens.insights.result import InsightResult
from shoplens.insights.schema import TrendsQuery, parse_query

Planner = Callable[[Engine, TrendsQuery, Any], Compiled | None]
Runner = Callable[[Engine, Any], InsightResult]

def _rollup_planner(engine: Engine, query: TrendsQuery, resolved: Any) -> Compiled | None:
    # the rollup planner (shoplens.insights.planner), imported on first use
    from shoplens.insights.planner import plan_trends

    return plan_trends(engine, query, resolved)


_planner: Planner | None = _rollup_planner
_runners: dict[str, Runner] = {}


def set_planner(planner: Planner | None) -> Planner | None:
    """Install the rollup planner (None: raw events only); returns the previous one."""
    global _planner
    previous, _planner = _planner, planner
    return previous


def plan(engine: Engine, query: TrendsQuery, resolved: Any) -> Compiled | None:
    """The planner's statement for ``query``, or None to read the raw events."""
    return _planner(engine, query, resolved) if _planner is not None else None


def plan_sources(engine: Engine, query: Any, **context: Any) -> Any | None:
    """The rollup relations answering a retention, lifecycle or stickiness ``query``
    (:func:`shoplens.insights.planner.plan_sources`), or None to read the raw events;
    None too while no planner is installed (:func:`set_planner`). Compiles call it
    through :func:`prologue`."""
    if _planner is None:
        return None
    from shoplens.insights.planner import plan_sources as planned

    return planned(engine, query, **context)


@dataclass(frozen=True)
class Prologue:
    """Where a retention, lifecycle or stickiness statement starts: its scope (binder
    and time zone), the resolved date range, and the planner's relations (``planned``)
    or None, when the statement reads the raw events."""

    scope: Scope
    rng: ResolvedRange
    planned: Any | None

    @property
    def source(self) -> str:
        """``"rollups"`` when the planner answered, else ``"raw"``."""
        return "raw" if self.planned is None else "rollups"


def prologue(engine: Engine, query: Any, *, rng: ResolvedRange | None = None,
             catalogue: Any | None = None, plan: bool = True) -> Prologue:
    """The shared start of the user-day insights' compiles: resolve the range, ask the
    planner for rollup relations (:func:`plan_sources`, with ``plan``) and otherwise
    hand back a fresh scope for the raw statement. A planned scope's parameters are
    named apart (``r0, r1 ..``) so that a raw and a planned statement never mix."""
    from shoplens.insights.compile.dates import resolve_range
    from shoplens.insights.properties import Catalogue

    catalogue = catalogue or Catalogue(engine)
    rng = rng or resolve_range(engine, query.date_range)
    timezone = query.date_range.timezone
    if plan:
        scope = Scope(catalogue, Binder(prefix="r"), timezone=timezone)
        planned = plan_sources(engine, query, scope=scope, rng=rng)
        if planned is not None:
            return Prologue(scope, rng, planned)
    return Prologue(Scope(catalogue, Binder(), timezone=timezone), rng, None)


def cut_note(index: int, item: Any, values: int | None = None) -> str:
    """What a result says when breakdown ``index`` (a compiled breakdown) was cut to
    its top values (``values``: how many there were, when known)."""
    limit = item.breakdown.limit
    many = f"{values:,} values" if values is not None else f"more than {limit} values"
    rest = "hidden" if item.breakdown.hide_other else "grouped as '(other)'"
    return f"breakdowns[{index}] {item.prop.ref}: {many}; the top {limit} are shown, the rest {rest}"


def register_runner(kind: str, runner: Runner) -> None:
    """Answer queries of ``kind`` with ``runner(engine, query)`` (funnels, paths ...)."""
    _runners[kind] = runner


def _builtin(kind: str) -> Runner | None:
    if kind == "trends":
        from shoplens.insights.trends.runner import run_trends
        return run_trends
    if kind == "lifecycle":
        from shoplens.insights.lifecycle import run_lifecycle
        return run_lifecycle
    if kind == "stickiness":
        from shoplens.insights.stickiness import run_stickiness
        return run_stickiness
    if kind == "retention":
        from shoplens.insights.retention import run_retention
        return run_retention
    if kind == "funnels":
        from shoplens.insights.funnels import run_funnel
        return run_funnel
    if kind == "paths":
        from shoplens.insights.paths import run_paths
        return run_paths
    return None


def validate(doc: Any) -> Any:
    """A query document (dict, JSON text or model) as a validated model; a bad document
    is a :class:`ConfigError` naming the field."""
    if hasattr(doc, "model_dump") and hasattr(doc, "kind"):
        return doc
    try:
        return parse_query(doc)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc)) from None


def validation_message(exc: ValidationError) -> str:
    """One line per problem: ``field.path: message``."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err["loc"] if not (isinstance(x, str) and x in (
            "trends", "retention", "lifecycle", "stickiness", "funnels", "paths",
            "PropertyFilter", "FilterGroup", "function-after[_value_fits_operator(), "
            "PropertyFilter]")))
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "invalid query: " + "; ".join(parts)


def run(engine: Engine, query: Any) -> InsightResult:
    """Answer one insight query (a model, a dict or JSON text) on ``engine``.

    Nothing is written: every statement is a ``SELECT``.
    """
    q = validate(query)
    runner = _runners.get(q.kind) or _builtin(q.kind)
    if runner is None:
        raise ConfigError(f"kind {q.kind!r}: no runner is installed for this insight")
    return runner(engine, q)
