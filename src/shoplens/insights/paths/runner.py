"""``run_paths(engine, query)``: the paths of a :class:`PathsQuery` as an InsightResult.

Outputs (``InsightResult.payload``)
-----------------------------------
``paths``
    The most frequent node sequences, ``{"path": [..], "count"}`` (actors).
``other``
    The paths past the top ``top_n``: ``{"paths": how many, "count": their actors}``.
``links``
    ``{"step", "source", "target", "count"}``: actors going from ``source`` at step
    ``step`` to ``target`` at the next step (the sankey's links).
``dropoffs``
    Per step: actors there, how many go on, how many end there.
``ends``
    Per step before the last and node, the actors whose path ends there (the
    ``(ended)`` flows of the sankey; per step they sum to ``dropoffs``' ``ended``).
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
from shoplens.insights.compile.dates import resolve_range
from shoplens.insights.paths import walk
from shoplens.insights.paths.query import END, PathsContext, paths_query
from shoplens.insights.properties import Catalogue
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
    start = end = None
    if q.date_range.date_from or q.date_range.date_to:
        rng = resolve_range(engine, q.date_range)
        start, end = rng.start_utc, rng.end_utc
    ctx = PathsContext(q, Catalogue(engine), start=start, end=end)
    if walk.applies(engine, q):  # one sorted fetch, the passes in NumPy
        df, pq = walk.paths_frame(engine, ctx)
    else:
        pq = Query(paths_query(ctx).sql("postgres"), name="insights/paths")
        df = engine.fetch_df(pq, ctx.params or None)
    payload = assemble(df, q)
    frame = pd.DataFrame(payload["links"])
    return InsightResult(kind="paths", query=q.model_dump(mode="json"), frame=frame,
                         payload=payload, sql=[engine.render(pq)],
                         date_from=start.isoformat() if start else None,
                         date_to=end.isoformat() if end else None)


def assemble(paths_df: pd.DataFrame, q: PathsQuery) -> dict[str, Any]:
    """Every output from the sessions per path (exact: each session has one path)."""
    node_cols = [f"n{i}" for i in range(1, q.steps + 1)]
    paths = []
    for row in paths_df[[*node_cols, "n"]].itertuples(index=False):
        nodes = [str(v) for v in row[:-1] if v is not None and not pd.isna(v)]
        paths.append((nodes, int(row[-1])))
    paths.sort(key=lambda pn: (-pn[1], pn[0]))
    links: dict[tuple[int, str, str], int] = {}
    at: dict[tuple[int, str], int] = {}
    length: dict[int, int] = {}
    ends: dict[tuple[int, str], int] = {}
    for nodes, n in paths:
        length[len(nodes)] = length.get(len(nodes), 0) + n
        if nodes and len(nodes) < q.steps:
            key = (len(nodes), nodes[-1])
            ends[key] = ends.get(key, 0) + n
        for i, node in enumerate(nodes):
            at[(i + 1, node)] = at.get((i + 1, node), 0) + n
            if i + 1 < len(nodes):
                key = (i + 1, node, nodes[i + 1])
                links[key] = links.get(key, 0) + n
    total = sum(n for _, n in paths)
    longest = max(length, default=0)
    dropoffs = []
    for s in range(1, longest + 1):
        there = sum(n for ln, n in length.items() if ln >= s)
        gone = length.get(s, 0)
        dropoffs.append({"step": s, "actors": there, "continued": there - gone, "ended": gone,
                         "ended_share": round(gone / there, 6) if there else None})
    nodes = sorted({node for _, node in at}, key=lambda nd: (-at.get((1, nd), 0), nd))
    matrix = [{"node": nd, "shares": [round(at.get((s, nd), 0) / total, 6) if total else 0.0
                                      for s in range(1, q.steps + 1)]} for nd in nodes]
    if total:
        matrix.append({"node": END, "shares": [
            round(sum(n for ln, n in length.items() if ln < s) / total, 6)
            for s in range(1, q.steps + 1)]})
    return {
        "paths": [{"path": p, "count": n} for p, n in paths[:q.top_n]],
        "other": {"paths": len(paths[q.top_n:]), "count": sum(n for _, n in paths[q.top_n:])},
        "links": [{"step": st, "source": a, "target": b, "count": n}
                  for (st, a, b), n in sorted(links.items(), key=lambda kv: (kv[0][0], -kv[1],
                                                                            kv[0][1:]))],
        "ends": [{"step": st, "node": nd, "count": n}
                 for (st, nd), n in sorted(ends.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))],
        "dropoffs": dropoffs, "step_matrix": matrix, "actors": total, "level": q.level,
        "distinct_paths": len(paths)}
