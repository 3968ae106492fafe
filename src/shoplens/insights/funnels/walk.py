"""The ordered funnel's steps view as one NumPy walk over sorted rows.

Where the engine returns results in this process as Arrow (``Engine.local_arrow``),
the funnel fetches its event rows once, sorted by actor and time, three narrow columns
(actor, time key, one integer of step and exclusion flags), and computes the layers of
:mod:`.ordered` with array operations instead of one SQL window pass per step: for the
candidates of step ``k`` the latest row of layer ``k - 1`` strictly earlier is a
``searchsorted`` over that layer's row positions (layers are monotone here, see
:meth:`FunnelContext.monotone`, so the latest predecessor carries the best entry, as
the SQL's running maximum relies on), then the windows and exclusions are checked on
whole arrays. Each layer touches only its own rows. The SQL form stays the portable
path (PostgreSQL, Spark) and defines the result: ``tests/insights/funnels`` prove both
equal on random logs.

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


def applies(engine: Engine, ctx: FunnelContext) -> bool:
    """Whether this query's steps view runs as the walk on this engine."""
    q = ctx.query
    return (engine.local_arrow and q.order == "ordered" and q.view == "steps"
            and not q.breakdowns and not any(s.optional for s in q.steps)
            and all(ctx.monotone(k) for k in range(ctx.n))
            and ctx.n + len(q.exclusions) <= MAX_FLAGS)


def rows_query(variant: FunnelBase) -> Query:
    """``a, k, f`` of the funnel's event rows in actor then time order; bit ``s`` of
    ``f`` is step ``s`` (step 0: only entries in range), bit ``n + i`` exclusion ``i``."""
    ctx = variant.ctx
    flags = ["CASE WHEN s0 AND en THEN 1 ELSE 0 END"]
    flags += [f"CASE WHEN s{s} THEN {1 << s} ELSE 0 END" for s in range(1, ctx.n)]
    flags += [f"CASE WHEN x{i} THEN {1 << (ctx.n + i)} ELSE 0 END"
              for i in range(len(ctx.query.exclusions))]
    ev = event_rows(ctx, all_events=variant.all_events, with_previous=variant.with_previous)
    # ``f`` closes the sort key: DuckDB sorts rows whose every column is a key faster
    # than rows carrying a payload
    kind = "INT" if len(flags) < 32 else "BIGINT"
    tree = select(f"SELECT a, k, CAST({' + '.join(flags)} AS {kind}) AS f FROM ev "
                  "ORDER BY a, k, f").with_("ev", as_=ev)
    return Query(tree.sql("postgres"), name=f"insights/funnels/{ctx.query.order}-walk")


def steps_frame(engine: Engine, variant: FunnelBase) -> tuple[pd.DataFrame, Query]:
    """The frame :meth:`FunnelBase.steps_query` returns, computed by the walk."""
    query = rows_query(variant)
    rows = engine.fetch_arrow(query, variant.ctx.params or None)
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
    actors, as the SQL's ``GROUP BY``."""
    n, n_ex = ctx.n, len(ctx.query.exclusions)
    cols = ["value", *[f"c{s}" for s in range(n)], *[f"m{s}" for s in range(1, n)]]
    k = rows.column("k").to_numpy()
    f = rows.column("f").to_numpy()
    new_actor = starts(rows.column("a"))
    # 32-bit positions and actor numbers where they fit: fewer bytes for every pass
    # (and for the allocator to hand out) over millions of rows
    index = np.int32 if len(k) < 2**31 else np.int64
    # the actor of each row, and the first row of its (actor, time) tie: rows
    # strictly earlier than a row are those before its tie's first row
    actor = np.cumsum(new_actor, dtype=index)
    actor -= 1
    new_tie = new_actor.copy()
    new_tie[1:] |= k[1:] != k[:-1]
    tie_start = np.flatnonzero(new_tie).astype(index)[np.cumsum(new_tie, dtype=index) - 1]
    exclusion_rows = [np.flatnonzero(f & (1 << (n + i))) for i in range(n_ex)]

    # layer 0: the entries, b (best entry time) = their own time
    layer = np.flatnonzero(f & 1)
    layer_b = k[layer]
    furthest = np.full(int(actor[-1]) + 1 if len(k) else 0, -1, dtype=np.int64)
    furthest[actor[layer]] = 0
    gaps: list[np.ndarray] = []
    for s in range(1, n):
        cand = np.flatnonzero(f & (1 << s))
        before = tie_start[cand]
        j = np.searchsorted(layer, before) - 1  # latest layer row strictly earlier
        jj = np.maximum(j, 0)
        prev = layer[jj] if len(layer) else np.zeros(len(cand), dtype=np.int64)
        ok = (j >= 0) & (actor[prev] == actor[cand])
        best = layer_b[jj] if len(layer) else np.zeros(len(cand), dtype=np.int64)
        p = k[prev]
        kc = k[cand]
        ok &= kc - best <= ctx.window
        w = ctx.windows[s]
        if w is not None:
            ok &= kc - p <= w
        for i in ctx.exclusions_between(s - 1, s):
            xr = exclusion_rows[i]
            xj = np.searchsorted(xr, before) - 1  # latest exclusion strictly earlier
            xrow = xr[np.maximum(xj, 0)] if len(xr) else np.zeros(len(cand), dtype=np.int64)
            ok &= ~((xj >= 0) & (actor[xrow] == actor[cand]) & (k[xrow] >= p))
        layer, layer_b = cand[ok], best[ok]
        furthest[actor[layer]] = s  # layers run in step order: the last write is furthest
        gap = kc[ok] - p[ok]
        a = actor[layer]
        # the shortest gap per actor: rows of one actor are adjacent (sorted by actor)
        first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if len(a) else a
        gaps.append(np.minimum.reduceat(gap, first) if len(a) else gap)
    entered = furthest >= 0
    if not entered.any():
        return pd.DataFrame(columns=cols)
    row: dict[str, object] = {"value": None}
    for s in range(n):
        row[f"c{s}"] = int((furthest >= s).sum())
    for s in range(1, n):
        g = gaps[s - 1]
        row[f"m{s}"] = float(np.median(g)) if len(g) else None
    return pd.DataFrame([row], columns=cols)
