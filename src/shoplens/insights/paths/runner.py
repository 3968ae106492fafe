"""``run_paths(engine, query)``: the paths of a :class:`PathsQuery` as an InsightResult.

Outputs (``InsightResult.payload``)
-----------------------------------
``paths``
    The most frequent node sequences, ``{"path": [..], "count"}`` (actors).
``links``
    ``{"step", "source", "target", "count"}``: actors going from ``source`` at step
    ``step`` to ``target`` at the next step (the sankey's links).
``dropoffs``
    Per step: actors there, how many go on, how many end there.
``step_matrix``
    Per node, the share of actors whose ``i``-th node it is (retentioneering's step
    matrix), and ``(end)`` for paths already over; every column sums to 1.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from shoplens.engines import Engine, Query
from shoplens.errors import ConfigError
from shoplens.insights.funnels.refs import resolve_dates
from shoplens.insights.paths.query import END, SEP, PathsContext, links_query, top_paths_query
from shoplens.insights.result import InsightResult
from shoplens.insights.schema import PathsQuery


def _check(engine: Engine, q: PathsQuery) -> None:
    if q.level == "event":
        names = None
        for option, value in (("start", q.start), ("end", q.end)):
            if value is None or "*" in value or value in q.groupings:
                continue
            if engine.fetch_all("SELECT 1 FROM events WHERE raw_event = :n LIMIT 1", {"n": value}):
                continue
            names = names or [str(r[0]) for r in engine.fetch_all(
                "SELECT DISTINCT raw_event FROM events")]
            close = difflib.get_close_matches(value, names, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            raise ConfigError(f"paths {option}: no event is named {value!r}{hint}")
    if q.level == "page":
        key = (q.page_property or "url").removeprefix("event.")
        pattern = '%"' + key.replace("%", "\\%").replace("_", "\\_") + '"%'
        if not engine.fetch_all("SELECT 1 FROM events WHERE properties LIKE :p LIMIT 1",
                                {"p": pattern}):
            raise ConfigError(f"page paths: no event has a {key!r} property; name the event "
                              "property holding the page with page_property")


def run_paths(engine: Engine, q: PathsQuery) -> InsightResult:
    """Run a paths query (see the module docstring for the outputs)."""
    _check(engine, q)
    if q.level == "stage":
        from shoplens.events.taxonomy import ensure_categorized

        ensure_categorized(engine)
    start = end = None
    if q.date_range.date_from or q.date_range.date_to:
        start, end = resolve_dates(q.date_range, None,
                                   engine.scalar("SELECT MAX(event_time) FROM events"))
    ctx = PathsContext(q, start=start, end=end)
    lq = Query(links_query(ctx).sql("postgres"), name="insights/paths/links")
    links_df = engine.fetch_df(lq, dict(ctx.bind.values) or None)
    tq = Query(top_paths_query(ctx).sql("postgres"), name="insights/paths/top")
    top_df = engine.fetch_df(tq, dict(ctx.bind.values) or None)
    payload = assemble(links_df, top_df, q)
    frame = pd.DataFrame(payload["links"])
    return InsightResult(kind="paths", query=q.model_dump(mode="json"), frame=frame,
                         payload=payload, sql=[engine.render(lq), engine.render(tq)],
                         date_from=start.isoformat() if start else None,
                         date_to=end.isoformat() if end else None)


def assemble(links_df: pd.DataFrame, top_df: pd.DataFrame, q: PathsQuery) -> dict[str, Any]:
    df = links_df.copy()
    df["step"] = df["step"].astype(int)
    df["n"] = df["n"].astype(int)
    top = top_df.sort_values(["n", "path"], ascending=[False, True]).head(q.top_n)
    paths = [{"path": str(p).split(SEP), "count": int(n)} for p, n in zip(top["path"], top["n"],
                                                                      strict=True)]
    links = [{"step": int(r.step), "source": str(r.node), "target": str(r.nxt), "count": int(r.n)}
             for r in df[df["nxt"].notna()].sort_values(["step", "n"], ascending=[True, False])
             .itertuples()]
    steps = sorted(df["step"].unique().tolist())
    at_step = df.groupby("step")["n"].sum()
    ended = df[df["nxt"].isna()].groupby("step")["n"].sum()
    dropoffs = []
    for s in steps:
        there, gone = int(at_step.get(s, 0)), int(ended.get(s, 0))
        dropoffs.append({"step": int(s), "actors": there, "continued": there - gone,
                         "ended": gone, "ended_share": round(gone / there, 6) if there else None})
    total = int(at_step.get(1, 0)) if steps else 0
    by_node = df.groupby(["node", "step"])["n"].sum()
    nodes = sorted(df["node"].unique().tolist(),
                   key=lambda n: (-int(by_node.get((n, 1), 0)), str(n)))
    matrix = []
    for node in nodes:
        matrix.append({"node": str(node), "shares": [
            round(int(by_node.get((node, s), 0)) / total, 6) if total else 0.0
            for s in range(1, q.steps + 1)]})
    if total:
        matrix.append({"node": END, "shares": [
            round((total - int(at_step.get(s, 0))) / total, 6) for s in range(1, q.steps + 1)]})
    return {"paths": paths, "links": links, "dropoffs": dropoffs, "step_matrix": matrix,
            "actors": total, "level": q.level}
