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
import pyarrow.compute as pc

from shoplens.engines import Engine, Query
from shoplens.insights.funnels.base import select
from shoplens.insights.funnels.walk import starts
from shoplens.insights.paths.query import PathsContext, base_rows
from shoplens.insights.schema import PathsQuery, parse_duration

#: paths whose keys (``(nodes + 1) ** steps``) fit one integer below this are counted
#: as integers; past it, as rows of node columns
ONE_INTEGER = 2 ** 62
#: up to this many possible keys, one array of counts (no sort) counts them
COUNT_ARRAY = 1 << 22


def applies(engine: Engine, q: PathsQuery) -> bool:
    """Whether this paths query runs as the walk on this engine."""
    return engine.bulk_arrow


def _statements(ctx: PathsContext) -> tuple[Query, Query]:
    ctx.fresh()
    pe = base_rows(ctx)
    nd = select("SELECT node, CAST(ROW_NUMBER() OVER (ORDER BY node) - 1 AS INT) AS code "
                "FROM (SELECT DISTINCT node FROM pe) AS d")
    # ``code`` closes the sort key although ``id`` already decides: DuckDB sorts rows
    # whose every column is a key about twice as fast as rows carrying a payload
    # (10M events: 2.9 against 6.6 CPU-seconds)
    rows = select("SELECT pe.uid, pe.sid, pe.k, nd.code FROM pe JOIN nd ON nd.node = pe.node "
                  "ORDER BY pe.uid, pe.sid, pe.k, pe.id, nd.code")
    names = select("SELECT node, code FROM nd")
    out = []
    for body in (rows, names):
        tree = body.with_("pe", as_=pe.copy()).with_("nd", as_=nd.copy())
        out.append(Query(tree.sql("postgres"), name="insights/paths-walk"))
    return out[0], out[1]


def _bulk_statement(ctx: PathsContext) -> Query:
    """The kept events, unsorted, with the node as text (encoded here): one statement,
    so the nodes and their rows come from one snapshot under any isolation level."""
    ctx.fresh()
    # no NULL in a bulk fetch (one falls back to row by row): a tracker session id is
    # 'S' and the id, none is 'N'
    rows = select("SELECT uid, COALESCE('S' || sid, 'N') AS sid, k, id, node FROM pe"
                  ).with_("pe", as_=base_rows(ctx))
    return Query(rows.sql("postgres"), name="insights/paths-walk")


def _codes(column: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return pc.dictionary_encode(column)


def _sorted(rows: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """``uid, sid, k, code`` in the order of :func:`_statements` (users and sessions as
    integers, equal exactly where the text is), and the label of each code."""
    uid = _codes(rows.column("uid")).indices.to_numpy()
    sid = _codes(rows.column("sid")).indices.to_numpy()
    node = _codes(rows.column("node"))
    k = rows.column("k").to_numpy()
    order = np.lexsort((rows.column("id").to_numpy(), k, sid, uid))
    table = pa.table({"uid": uid[order], "sid": sid[order], "k": k[order],
                      "code": node.indices.to_numpy()[order]})
    return table, np.array(node.dictionary.to_pylist(), dtype=object)


def paths_frame(engine: Engine, ctx: PathsContext) -> tuple[pd.DataFrame, Query]:
    """The frame of :func:`~shoplens.insights.paths.query.paths_query` (``n1`` ..
    ``nN``, ``n``), computed by the walk.

    An in-process engine (``Engine.local_arrow``) returns the rows sorted, with the
    node as an integer: its own sort of 10M rows beats NumPy's four-key ``lexsort``.
    Elsewhere the rows come unsorted through :meth:`Engine.fetch_arrow_bulk` and are
    sorted here.
    """
    if not engine.local_arrow:
        rows_q = _bulk_statement(ctx)
        rows, label = _sorted(engine.fetch_arrow_bulk(rows_q, ctx.params or None))
        return walk(rows, label, ctx.query), rows_q
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
    code = rows.column("code").to_numpy()
    ns = starts(rows.column("uid"), rows.column("sid"))  # a new (user, tracker session)
    ns[1:] |= np.diff(k) > parse_duration(q.session_gap) * 1_000_000
    del k
    if q.collapse_repeats:  # a repeat of the previous event's node in the session
        keep = ns.copy()
        keep[1:] |= code[1:] != code[:-1]
        code, ns = code[keep], ns[keep]
    m = len(code)
    first = np.flatnonzero(ns)
    # the row after each session's last kept row
    after = np.r_[first[1:], m]
    code_of = {name: i for i, name in enumerate(label)}

    def session_of(at: np.ndarray) -> np.ndarray:
        return np.searchsorted(first, at, side="right") - 1

    def first_per_session(name: str) -> np.ndarray:
        at = np.flatnonzero(code == code_of.get(name, -2))
        s = session_of(at)
        return at[np.r_[True, s[1:] != s[:-1]]] if len(at) else at

    if q.end and not q.start:
        # backwards: up to N nodes of the session ending at its first end point
        end = first_per_session(q.end)
        begin = np.maximum(first[session_of(end)], end - (n - 1))
        length = end - begin + 1
    else:
        begin = first_per_session(q.start) if q.start else first
        last = (after[session_of(begin)] if q.start else after) - 1
        if q.start and q.end:
            ends = np.flatnonzero(code == code_of.get(q.end, -2))
            e = np.searchsorted(ends, begin)  # the first end at or after the start
            found = e < len(ends)
            e_row = ends[np.minimum(e, len(ends) - 1)] if len(ends) else begin
            found &= e_row <= last
            begin, last = begin[found], e_row[found]
        length = np.minimum(last - begin + 1, n)
    # one integer per path, node i in base ``len(label) + 1`` (0: no node), built in
    # place: the arrays are as long as there are sessions
    base = len(label) + 1
    # every step reuses the same buffers (out=): fresh arrays of millions of rows cost
    # more in page faults than the arithmetic on them
    padded = np.concatenate([code, np.full(n, -1, dtype=code.dtype)])
    wide = base ** n >= ONE_INTEGER
    key = np.zeros(len(begin), dtype=np.int64)
    at = begin.copy()
    col = np.empty(len(begin), dtype=code.dtype)
    past = np.empty(len(begin), dtype=bool)
    columns = []
    for i in range(n):
        np.take(padded, at, out=col)
        np.less_equal(length, i, out=past)
        col[past] = -1
        at += 1
        if wide:
            columns.append(col.astype(np.int64))
        else:
            key *= base
            key += col
            key += 1
    if wide:  # too many nodes for one integer: unique rows of the node columns
        paths, counts = np.unique(np.stack(columns, axis=1).reshape(-1, n), axis=0,
                                  return_counts=True)
    else:
        if base ** n <= COUNT_ARRAY:  # a count per possible path, no sort
            counts = np.bincount(key, minlength=0)
            keys = np.flatnonzero(counts)
            counts = counts[keys]
        else:
            keys, counts = np.unique(key, return_counts=True)
        paths = np.empty((len(keys), n), dtype=np.int64)
        for i in range(n - 1, -1, -1):
            keys, paths[:, i] = np.divmod(keys, base)
        paths -= 1
    out = {c: [None if v < 0 else label[v] for v in paths[:, i]] for i, c in enumerate(cols)}
    out["n"] = counts
    return pd.DataFrame(out, columns=[*cols, "n"])
