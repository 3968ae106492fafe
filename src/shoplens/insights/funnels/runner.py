"""``run_funnel(engine, query)``: validate, compile for the order mode, run, assemble.

The entry point of funnels, as PostHog's ``funnels_query_runner.py``: one typed query
in (:class:`~shoplens.insights.schema.FunnelsQuery`), one
:class:`~shoplens.insights.result.InsightResult` out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlglot import exp

from shoplens.engines import Engine, Query
from shoplens.insights.compile.context import Scope, check_engine
from shoplens.insights.compile.dates import resolve_range
from shoplens.insights.funnels import validation, walk
from shoplens.insights.funnels.base import FunnelBase
from shoplens.insights.funnels.context import US, FunnelContext
from shoplens.insights.funnels.ordered import OrderedFunnel
from shoplens.insights.funnels.strict import StrictFunnel
from shoplens.insights.funnels.time_to_convert import time_to_convert
from shoplens.insights.funnels.trends import trends
from shoplens.insights.funnels.unordered import UnorderedFunnel
from shoplens.insights.properties import Catalogue
from shoplens.insights.result import InsightResult
from shoplens.insights.schema import FunnelsQuery

VARIANTS: dict[str, type[FunnelBase]] = {
    "ordered": OrderedFunnel, "strict": StrictFunnel, "any": UnorderedFunnel}
OTHER = "other"
NONE = "(none)"


def prepare(engine: Engine, q: FunnelsQuery) -> tuple[FunnelBase, list[str]]:
    """Check the query and build its variant; the statement compiles (and an unknown
    event or property fails) before any funnel query runs."""
    notes = validation.check(q)
    start = end = None
    dr = q.date_range
    if dr.date_from or dr.date_to:
        rng = resolve_range(engine, dr)
        start, end = rng.start_utc, rng.end_utc
    scope = Scope(Catalogue(engine), timezone=dr.timezone)
    variant = VARIANTS[q.order](FunnelContext(q, scope, start=start, end=end))
    return variant, notes


def render(variant: FunnelBase, tree: exp.Expression) -> Query:
    return Query(tree.sql("postgres"), name=f"insights/funnels/{variant.ctx.query.order}")


def run_funnel(engine: Engine, q: FunnelsQuery) -> InsightResult:
    """Run a funnel query.

    Notes
    -----
    An *actor* is a user, or with ``count_by="sessions"`` a session (the tracker's
    session id, else a run of the user's events without a 30-minute gap). An actor
    reaches step ``k`` when some entry (a step-0 event in the date range) is followed by
    events of steps 1..k, each strictly later than the previous one (ordered: other
    events allowed between; strict: none; any order: the steps in any order), each
    within its own window of the previous completed step and all within the global
    window of the entry, with no exclusion event of the span between two linked steps.
    Optional steps may be skipped. An actor counts once, at the furthest step any of
    its entries reaches: ``count`` of a required step is the actors reaching it or any
    later step; of an optional step, the actors whose chain went through it.
    ``conversion_from_previous`` divides by the previous required step's count,
    ``conversion_from_start`` by step 0's. ``median_seconds_from_previous`` is the
    median over actors of the shortest time a chain of theirs took from the previous
    step. A breakdown gives each actor the value of its entry event (``first_touch``),
    of the event that reached its furthest step (``last_touch``) or of its first event
    completing ``attribution_step`` (``step``; ``(none)`` when it did not get there).
    """
    variant, notes = prepare(engine, q)
    ctx = variant.ctx
    check_engine(engine, ctx.scope)
    statement: Query | None = None
    if q.view == "trends":
        tree = trends(variant)
        df = engine.fetch_df(render(variant, tree), ctx.params or None)
        payload, frame = _trends_payload(df, q)
    elif q.view == "time_to_convert":
        tree, payload_of = time_to_convert(variant)
        df = engine.fetch_df(render(variant, tree), ctx.params or None)
        payload, frame = payload_of(df)
    elif walk.applies(engine, ctx):  # one sorted fetch, the layers in NumPy
        df, statement = walk.steps_frame(engine, variant)
        payload, frame, more = _steps_payload(df, ctx)
        notes += more
    else:
        tree = variant.steps_query()
        df = engine.fetch_df(render(variant, tree), ctx.params or None)
        payload, frame, more = _steps_payload(df, ctx)
        notes += more
    if statement is None:
        statement = render(variant, tree)
    return InsightResult(
        kind="funnels", query=q.model_dump(mode="json"), frame=frame, payload=payload,
        source="raw", sql=[engine.render(statement)], notes=notes,
        date_from=_iso(ctx.start), date_to=_iso(ctx.end))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def steps_of(ctx: FunnelContext, counts: list[int], medians: list[float | None],
             ) -> list[dict[str, Any]]:
    """The ``steps`` list of the JSON: counts, conversion rates and median times."""
    out = []
    prev_required: int | None = None
    first = counts[0] if counts else 0
    for s, step in enumerate(ctx.query.steps):
        c = int(counts[s])
        base = counts[prev_required] if prev_required is not None else None
        out.append({
            "step": s, "name": ctx.label(s), "event": step.event, "optional": step.optional,
            "count": c,
            "conversion_from_previous": None if s == 0 else _rate(c, base),
            "conversion_from_start": _rate(c, first),
            "dropped_from_previous": None if s == 0 or base is None else int(base) - c,
            "median_seconds_from_previous": None if s == 0 else _seconds(medians[s]),
        })
        if not step.optional:
            prev_required = s
    return out


def _rate(n: int, base: int | None) -> float | None:
    return round(n / base, 6) if base else None


def _seconds(us: Any) -> float | None:
    return None if us is None or pd.isna(us) else round(float(us) / US, 3)


def _steps_payload(df: pd.DataFrame, ctx: FunnelContext,
                   ) -> tuple[dict[str, Any], pd.DataFrame, list[str]]:
    n = ctx.n
    notes: list[str] = []
    df = df.copy()
    counts = [int(df[f"c{s}"].fillna(0).sum()) for s in range(n)]
    if not ctx.query.breakdowns:
        row = df.iloc[0] if len(df) else None
        medians = [None] + [None if row is None else row[f"m{s}"] for s in range(1, n)]
        steps = steps_of(ctx, counts, medians)
        frame = pd.DataFrame([{"breakdown_value": None, **s} for s in steps])
        return {"steps": steps, "breakdowns": []}, frame, notes
    # totals: medians over every actor are not the medians of the groups; ask once more
    steps = steps_of(ctx, counts, [None] * n)
    bd = ctx.query.breakdowns[0]
    df["value"] = df["value"].where(df["value"].notna(), NONE)
    df = df.sort_values(["c0", "value"], ascending=[False, True])
    kept, rest = df.iloc[:bd.limit], df.iloc[bd.limit:]
    groups = [(str(r["value"]), [int(r[f"c{s}"]) for s in range(n)],
               [None] + [r[f"m{s}"] for s in range(1, n)]) for _, r in kept.iterrows()]
    if len(rest):
        notes.append(f"breakdown {bd.property}: {len(rest)} values past the top {bd.limit} "
                     + ("hidden" if bd.hide_other else f"counted as {OTHER!r}"))
        if not bd.hide_other:
            groups.append((OTHER, [int(rest[f"c{s}"].sum()) for s in range(n)], [None] * n))
    breakdowns = [{"breakdown_value": v, "steps": steps_of(ctx, c, m)} for v, c, m in groups]
    frame = pd.DataFrame([{"breakdown_value": b["breakdown_value"], **s}
                          for b in breakdowns for s in b["steps"]])
    return {"steps": steps, "breakdowns": breakdowns}, frame, notes


def _trends_payload(df: pd.DataFrame, q: FunnelsQuery) -> tuple[dict[str, Any], pd.DataFrame]:
    points = []
    for r in df.sort_values("bucket").itertuples():
        entered, converted = int(r.entered), int(r.converted)
        points.append({"date": pd.Timestamp(r.bucket).date().isoformat(), "entered": entered,
                       "converted": converted, "conversion": _rate(converted, entered)})
    return {"points": points, "interval": q.trend_interval}, pd.DataFrame(points)
