"""The ordered funnel's steps view as one NumPy walk over the step events.

Where the engine moves many narrow rows into this process cheaply
(:attr:`Engine.bulk_arrow`: DuckDB's own Arrow results, PostgreSQL's columns packed by
the server), the funnel fetches its event rows once, unsorted, as three narrow columns
(actor, time key, one integer of step and exclusion flags), makes each row one
integer key ordering rows by actor then time (see :func:`walk`), and computes the
layers of :mod:`.ordered` with array operations instead of one SQL window pass per
step: the sorted keys of step ``k``'s candidates, and for each the latest key of layer
``k - 1`` strictly less, of the same actor, is a ``searchsorted`` (layers are monotone
here, see :meth:`FunnelContext.monotone`, so the latest predecessor carries the best
entry, as the SQL's running maximum relies on), then the windows and exclusions are
checked on whole arrays. No sort of all the rows: each step sorts only its own keys.
The SQL form stays the portable path (Spark, and every other view) and defines the
result: ``tests/insights/funnels`` prove both equal on random logs.

It covers what the steps view of an ordered funnel asks without breakdowns or optional
steps (per-step and global windows, exclusions, users or sessions); any other query
runs as SQL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shoplens.engines import Engine, Query
from shoplens.insights.funnels.base import FunnelBase, select
from shoplens.insights.funnels.context import FunnelContext
from shoplens.insights.funnels.events import event_rows

#: flags of steps and exclusions packed in one BIGINT
MAX_FLAGS = 62
#: the walk's sort keys ``actor * span + time`` stay below ``2 ** KEY_BITS``
KEY_BITS = 63


def applies(engine: Engine, ctx: FunnelContext) -> bool:
    """Whether this query's steps view runs as the walk on this engine."""
    q = ctx.query
    return (engine.bulk_arrow and q.order == "ordered" and q.view == "steps"
            and not q.breakdowns and not any(s.optional for s in q.steps)
            and all(ctx.monotone(k) for k in range(ctx.n))
            and ctx.n + len(q.exclusions) <= MAX_FLAGS)


def rows_query(variant: FunnelBase) -> Query:
    """``a, k, f`` of the funnel's event rows, unsorted; bit ``s`` of ``f`` is step
    ``s`` (step 0: only entries in range), bit ``n + i`` exclusion ``i``."""
    ctx = variant.ctx
    flags = ["CASE WHEN s0 AND en THEN 1 ELSE 0 END"]
    flags += [f"CASE WHEN s{s} THEN {1 << s} ELSE 0 END" for s in range(1, ctx.n)]
    flags += [f"CASE WHEN x{i} THEN {1 << (ctx.n + i)} ELSE 0 END"
              for i in range(len(ctx.query.exclusions))]
    ev = event_rows(ctx, all_events=variant.all_events, with_previous=variant.with_previous)
    kind = "INT" if len(flags) < 32 else "BIGINT"
    tree = select(f"SELECT a, k, CAST({' + '.join(flags)} AS {kind}) AS f FROM ev"
                  ).with_("ev", as_=ev)
    return Query(tree.sql("postgres"), name=f"insights/funnels/{ctx.query.order}-walk")


def steps_frame(engine: Engine, variant: FunnelBase) -> tuple[pd.DataFrame, Query]:
    """The frame :meth:`FunnelBase.steps_query` returns, computed by the walk."""
    query = rows_query(variant)
    rows = engine.fetch_arrow_bulk(query, variant.ctx.params or None)
    return walk(rows, variant.ctx), query


def starts(*columns: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Whether each row starts a new group of equal values of ``columns`` (rows sorted
    by them; NULL equals NULL, as in ``PARTITION BY``). Compared chunk by chunk, never
    concatenating the strings."""
    n = len(columns[0])
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    out[0] = True
    for column in columns:
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        chunks = [c for c in chunks if len(c)]
        at = 0
        for i, chunk in enumerate(chunks):
            if chunk.null_count < len(chunk):
                out[at + 1:at + len(chunk)] |= _differ(chunk[1:], chunk[:-1])
            if i:  # the chunk's first row against the previous chunk's last
                out[at] |= bool(_differ(chunk[:1], chunks[i - 1][-1:])[0])
            at += len(chunk)
    return out


def _differ(head: pa.Array, tail: pa.Array) -> np.ndarray:
    differ = pc.not_equal(head, tail)
    if head.null_count or tail.null_count:
        differ = pc.if_else(pc.is_null(differ), pc.xor(pc.is_null(head), pc.is_null(tail)),
                            differ)
    return differ.to_numpy(zero_copy_only=False)


def walk(rows: pa.Table, ctx: FunnelContext) -> pd.DataFrame:
    """Per step the actors reaching it (``c0``..) and the median over actors of their
    shortest gap from the previous step (``m1``.., microseconds); no row without
    actors, as the SQL's ``GROUP BY``.

    Each row becomes one integer, ``key = actor * span + (k - min k)`` (the actor
    dictionary-encoded): keys order the rows by actor then time, two keys of one actor
    differ by their time difference, and a key is of the actor of a later key ``c``
    exactly when it is at least ``c - c % span``. Where ``actors * span`` passes
    :data:`KEY_BITS`, the actors are walked in groups that fit.
    """
    n = ctx.n
    cols = ["value", *[f"c{s}" for s in range(n)], *[f"m{s}" for s in range(1, n)]]
    a = rows.column("a")
    actor = pc.dictionary_encode(a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
                                 ).indices.to_numpy()
    k = rows.column("k").to_numpy()
    f = rows.column("f").to_numpy()
    if len(k) == 0:
        return pd.DataFrame(columns=cols)
    low = int(k.min())
    span = int(k.max()) - low + 1
    per_group = max(1, (2**KEY_BITS - 1) // span)  # actors whose keys fit
    n_actors = int(actor.max()) + 1
    counts = np.zeros(n, dtype=np.int64)
    gaps: list[list[np.ndarray]] = [[] for _ in range(n)]
    if n_actors <= per_group:
        groups = [(actor, k, f)]
    else:
        group = actor // per_group  # per_group < n_actors here: fits the codes
        order = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[order], np.arange(int(group.max()) + 2))
        groups = [(actor[i] - g * per_group, k[i], f[i])
                  for g, i in enumerate(np.split(order, bounds[1:-1]))]
    for g_actor, g_k, g_f in groups:
        if len(g_k) == 0:
            continue
        key = g_actor.astype(np.int64)
        key *= span
        key -= low  # before adding k: no intermediate value past 63 bits
        key += g_k
        furthest = _layers(key, g_f, span, ctx, gaps)
        for s in range(n):
            counts[s] += int((furthest >= s).sum())
    if counts[0] == 0:
        return pd.DataFrame(columns=cols)
    row: dict[str, object] = {"value": None}
    for s in range(n):
        row[f"c{s}"] = int(counts[s])
    for s in range(1, n):
        g = np.concatenate(gaps[s]) if gaps[s] else np.zeros(0, dtype=np.int64)
        row[f"m{s}"] = float(np.median(g)) if len(g) else None
    return pd.DataFrame([row], columns=cols)


def _layers(key: np.ndarray, f: np.ndarray, span: int, ctx: FunnelContext,
            gaps: list[list[np.ndarray]]) -> np.ndarray:
    """The furthest step of each actor of these rows (-1: none), appending per step the
    shortest gap of each actor reaching it to ``gaps[s]``.

    A layer is the sorted keys of the rows completing a valid chain up to its step,
    with ``b``, the key of the best (latest) entry of such a chain.
    """
    n = ctx.n

    def keys_of(bit: int) -> np.ndarray:
        out = key[(f & bit) != 0]
        out.sort()
        return out

    exclusion_keys = [keys_of(1 << (n + i)) for i in range(len(ctx.query.exclusions))]
    layer = keys_of(1)  # the entries; b = their own key
    layer_b = layer
    furthest = np.full(int(key.max()) // span + 1, -1, dtype=np.int8)
    furthest[layer // span] = 0
    for s in range(1, n):
        cand = keys_of(1 << s)
        if len(layer) == 0 or len(cand) == 0:
            break
        base = cand - cand % span  # the actor's first possible key
        j = np.searchsorted(layer, cand, side="left") - 1  # latest layer key strictly less
        ok = j >= 0
        np.maximum(j, 0, out=j)
        p = layer[j]
        best = layer_b[j]
        ok &= p >= base  # of the same actor
        ok &= cand - best <= ctx.window
        w = ctx.windows[s]
        if w is not None:
            ok &= cand - p <= w
        for i in ctx.exclusions_between(s - 1, s):
            xr = exclusion_keys[i]
            if len(xr) == 0:
                continue
            xj = np.searchsorted(xr, cand, side="left") - 1  # latest exclusion strictly earlier
            ok &= ~((xj >= 0) & (xr[np.maximum(xj, 0)] >= p))
        layer, layer_b = cand[ok], best[ok]
        gap = cand[ok] - p[ok]
        a = layer // span
        furthest[a] = s  # layers run in step order: the last write is the furthest
        # the shortest gap per actor: keys of one actor are adjacent
        first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else a
        gaps[s].append(np.minimum.reduceat(gap, first) if len(a) else gap)
    return furthest
