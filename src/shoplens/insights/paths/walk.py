"""Paths as one sorted fetch and a NumPy walk, for in-process engines.

Where the engine returns results in this process as Arrow (``Engine.local_arrow``),
paths fetch the kept events once in (user, tracker session, time, id) order with the
node as a small integer (a join to the dictionary of the nodes seen: an integer costs
far less to sort and return than the text), and do the two window passes of
:func:`~shoplens.insights.paths.query.path_rows` as array operations: session starts
(a new user or tracker session, or a gap over ``session_gap``), collapsed repeats,
the row each session's path starts at (its first event, first start point, or the
first end point read backwards), the next ``N - 1`` kept nodes of the same session,
then one count per distinct path. The SQL form stays the portable path and defines the
result; ``tests/insights/paths`` prove both equal on random logs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from shoplens.engines import Engine, Query
from shoplens.insights.funnels.base import select
from shoplens.insights.funnels.walk import starts
from shoplens.insights.paths.query import PathsContext, base_rows
from shoplens.insights.schema import PathsQuery, parse_duration


def applies(engine: Engine, q: PathsQuery) -> bool:
    """Whether this paths query runs as the walk on this engine."""
    return engine.local_arrow


def _statements(ctx: PathsContext) -> tuple[Query, Query]:
    ctx.fresh()
    pe = base_rows(ctx)
    nd = select("SELECT node, ROW_NUMBER() OVER (ORDER BY node) - 1 AS code "
                "FROM (SELECT DISTINCT node FROM pe) AS d")
    rows = select("SELECT pe.uid, pe.sid, pe.k, nd.code FROM pe JOIN nd ON nd.node = pe.node "
                  "ORDER BY pe.uid, pe.sid, pe.k, pe.id")
    names = select("SELECT node, code FROM nd")
    out = []
    for body in (rows, names):
        tree = body.with_("pe", as_=pe.copy()).with_("nd", as_=nd.copy())
        out.append(Query(tree.sql("postgres"), name="insights/paths-walk"))
    return out[0], out[1]


def paths_frame(engine: Engine, ctx: PathsContext) -> tuple[pd.DataFrame, Query]:
    """The frame of :func:`~shoplens.insights.paths.query.paths_query` (``n1`` ..
    ``nN``, ``n``), computed by the walk."""
    rows_q, names_q = _statements(ctx)
    params = ctx.params or None
    with engine.transaction():  # the dictionary and the rows from one snapshot
        names = engine.fetch_arrow(names_q, params)
        rows = engine.fetch_arrow(rows_q, params)
    label = np.empty(names.num_rows, dtype=object)
    label[names.column("code").to_numpy()] = names.column("node").to_pylist()
    return walk(rows, label, ctx.query), rows_q


def walk(rows: pa.Table, label: np.ndarray, q: PathsQuery) -> pd.DataFrame:
    """Sessions per path from the sorted rows (``uid, sid, k, code``)."""
    n = q.steps
    cols = [f"n{i}" for i in range(1, n + 1)]
    if rows.num_rows == 0:
        return pd.DataFrame(columns=[*cols, "n"])
    k = rows.column("k").to_numpy()
    code = rows.column("code").to_numpy().astype(np.int64)
    ns = starts(rows.column("uid"), rows.column("sid"))  # a new (user, tracker session)
    ns[1:] |= k[1:] - k[:-1] > parse_duration(q.session_gap) * 1_000_000
    if q.collapse_repeats:  # a repeat of the previous event's node in the session
        keep = ns.copy()
        keep[1:] |= code[1:] != code[:-1]
        code, ns = code[keep], ns[keep]
    m = len(code)
    session = np.cumsum(ns) - 1
    first = np.flatnonzero(ns)
    code_of = {name: i for i, name in enumerate(label)}

    def first_per_session(mask: np.ndarray) -> np.ndarray:
        at = np.flatnonzero(mask)
        if len(at) == 0:
            return at
        s = session[at]
        return at[np.r_[True, s[1:] != s[:-1]]]

    def marks(name: str | None) -> np.ndarray:
        return code == code_of.get(name, -2)

    if q.end and not q.start:
        # backwards: up to N nodes of the session ending at its first end point
        end = first_per_session(marks(q.end))
        lo = np.maximum(first[session[end]], end - (n - 1))
        length = end - lo + 1
        take = [lo + i for i in range(n)]
    else:
        begin = first_per_session(marks(q.start)) if q.start else first
        # the session's last kept row bounds the path
        last = np.r_[first[1:], m][session[begin]] - 1
        if q.start and q.end:
            ends = np.flatnonzero(marks(q.end))
            e = np.searchsorted(ends, begin)  # the first end at or after the start
            found = e < len(ends)
            e_row = ends[np.minimum(e, len(ends) - 1)] if len(ends) else begin
            found &= e_row <= last
            begin, last = begin[found], e_row[found]
        length = np.minimum(last - begin + 1, n)
        take = [begin + i for i in range(n)]
    nodes = [np.where(i < length, code[np.minimum(t, m - 1)], -1) for i, t in enumerate(take)]
    base = len(label) + 1
    if base ** n < 2 ** 62:  # one integer per path: a 1-D unique sorts far faster
        key = np.zeros(len(length), dtype=np.int64)
        for col in nodes:
            key = key * base + (col + 1)
        keys, counts = np.unique(key, return_counts=True)
        paths = np.empty((len(keys), n), dtype=np.int64)
        for i in range(n - 1, -1, -1):
            keys, paths[:, i] = np.divmod(keys, base)
        paths -= 1
    else:
        paths, counts = np.unique(np.stack(nodes, axis=1).reshape(-1, n), axis=0,
                                  return_counts=True)
    out = {c: [None if v < 0 else label[v] for v in paths[:, i]] for i, c in enumerate(cols)}
    out["n"] = counts
    return pd.DataFrame(out, columns=[*cols, "n"])
