"""Stickiness: how many users were active in exactly 1, 2, ... N intervals of the range.

For each series (its event and filters, with the query's filters), a user's count is
the number of distinct intervals (days, Monday weeks or months, in the query's time
zone) of the range in which they did the event; the result gives, for k = 1 .. N (N
the number of intervals in the range), the users with exactly k, and their share of
all users active in the range. With a breakdown, a user counts under each value their
events had (top N values, the rest "other"), as in trends.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlglot import exp

from shoplens.engines import Engine
from shoplens.insights.compile.breakdowns import OTHER, compile_breakdowns
from shoplens.insights.compile.context import Compiled, Scope, check_engine
from shoplens.insights.compile.dates import ResolvedRange, buckets
from shoplens.insights.compile.rows import mapped_rows, series_rows, series_where
from shoplens.insights.compile.sources import from_events
from shoplens.insights.properties import Catalogue
from shoplens.insights.result import InsightResult
from shoplens.insights.runner import cut_note
from shoplens.insights.schema import StickinessQuery


def compile_stickiness(engine: Engine, query: StickinessQuery, *,
                       rng: ResolvedRange | None = None, catalogue: Catalogue | None = None,
                       plan: bool = True) -> tuple[Compiled, ResolvedRange, Scope, Any]:
    """Rows ``series, bd_*, bd_other, intervals, users``; with ``plan`` each series'
    (user, interval) rows come from the rollup planner when it covers the query
    (:mod:`shoplens.insights.planner.stickiness`)."""
    from shoplens.insights.runner import prologue

    start = prologue(engine, query, rng=rng, catalogue=catalogue, plan=plan)
    scope, rng, planned = start.scope, start.rng, start.planned
    bds = compile_breakdowns(scope, query.breakdowns)
    keys = ["series", *bds.columns, "bd_other"]
    selects = []
    for mapped in planned if planned is not None else _raw_rows(scope, query, rng, bds):
        per_user = (exp.select(*keys, "uid", exp.Count(this=exp.Distinct(
            expressions=[exp.column("bucket")])).as_("intervals"))
            .from_(mapped.subquery("m")).group_by(*keys, "uid"))
        selects.append(exp.select(*keys, "intervals", exp.Count(this=exp.Star()).as_("users"))
                       .from_(per_user.subquery("pu")).group_by(*keys, "intervals"))
    statement: exp.Expression = selects[0]
    for sel in selects[1:]:
        statement = exp.union(statement, sel, distinct=False)
    source = "raw" if planned is None else "rollups"
    return (Compiled(statement, scope.binder.params, source=source,
                     name="stickiness" if planned is None else "stickiness-rollups"),
            rng, scope, bds)


def _raw_rows(scope: Scope, query: StickinessQuery, rng: ResolvedRange, bds: Any
              ) -> list[exp.Select]:
    """Per series, ``series, bucket, bd_*, bd_other, uid`` rows from the events."""
    parts = []
    for i, s in enumerate(query.series):
        where = series_where(scope, rng, s, query.filters, option=f"series[{i}]")
        parts.append((series_rows(scope, i, query.interval, bds, None, where), where))
    out = []
    for cols, where in parts:
        base = from_events(scope, exp.select(*cols))
        if where is not None:
            base = base.where(where)
        out.append(mapped_rows(base, bds, extra=("uid",)))
    return out


def run_stickiness(engine: Engine, query: StickinessQuery, *, plan: bool = True
                   ) -> InsightResult:
    """Answer a stickiness query: per series (and breakdown value), ``points`` with
    ``intervals`` (1 .. N), ``users`` and ``share`` (of the series' active users);
    ``source`` is ``"rollups"`` when the planner answered."""
    compiled, rng, scope, bds = compile_stickiness(engine, query, plan=plan)
    check_engine(engine, scope)
    df = compiled.fetch_df(engine)
    n = len(buckets(rng, query.interval))
    groups: dict[tuple[int, tuple[Any, ...]], dict[int, int]] = {}
    for r in df.to_dict("records"):
        other = int(r.get("bd_other") or 0) == 1
        key = tuple(OTHER if (other and b.cut) else b.label(r[c])
                    for b, c in zip(bds.items, bds.columns, strict=True))
        groups.setdefault((int(r["series"]), key), {})[int(r["intervals"])] = int(r["users"])
    if not bds.items:
        for i in range(len(query.series)):
            groups.setdefault((i, ()), {})
    series: list[dict[str, Any]] = []
    for (i, key), counts in sorted(groups.items(), key=lambda kv: (
            kv[0][0], OTHER in kv[0][1], -sum(kv[1].values()), [str(x) for x in kv[0][1]])):
        total = sum(counts.values())
        s = query.series[i]
        points = [{"intervals": k, "users": counts.get(k, 0),
                   "share": (counts.get(k, 0) / total) if total else 0.0} for k in range(1, n + 1)]
        series.append({"label": s.label, "series_index": i, "event": s.event,
                       "breakdown_value": (None if not key else key[0] if len(key) == 1
                                           else list(key)),
                       "users": total, "points": points})
    notes = [cut_note(0, b) for b in bds.items
             if b.cut and any(key and key[0] == OTHER for _, key in groups)]
    frame = pd.DataFrame([{"series": s["label"], "breakdown_value": s["breakdown_value"],
                           **p} for s in series for p in s["points"]],
                         columns=["series", "breakdown_value", "intervals", "users", "share"])
    return InsightResult(kind="stickiness", query=query.model_dump(mode="json"), frame=frame,
                         payload={"interval": query.interval, "intervals": n, "series": series},
                         source=compiled.source, sql=[compiled.rendered(engine)],
                         notes=notes, date_from=rng.start.date().isoformat(),
                         date_to=rng.last_day.isoformat())


__all__ = ["compile_stickiness", "run_stickiness"]
