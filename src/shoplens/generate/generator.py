"""The generator's driver: catalogue and users first, then sessions, events and searches
chunk by chunk (each chunk with its own random stream, so results do not depend on
anything but the parameters), then one time-ordered set of Arrow tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pyarrow as pa

from shoplens.generate.calendar import Calendar
from shoplens.generate.catalog import Catalog, build_catalog
from shoplens.generate.channels import first_event_columns
from shoplens.generate.funnel import LEGACY_NAMES, build_events, expected_events_per_session
from shoplens.generate.params import GenerateParams
from shoplens.generate.personas import PERSONA_NAMES
from shoplens.generate.search import build_searches, vocabulary
from shoplens.generate.sessions import build_sessions, expected_sessions
from shoplens.generate.streams import CATALOG, CHUNK, stream
from shoplens.generate.users import BLOCK, Users, build_users, draw_users

#: users per chunk; fixed (not machine-dependent) because each chunk has its own stream
CHUNK_USERS = 20_000
#: users drawn to estimate events per user for ``--events``
PILOT_USERS = 8_192

#: ``progress(description, fraction_done)``
ProgressFn = Callable[[str, float], None]



@dataclass
class ShopData:
    """A generated shop as Arrow tables (the platform-csv layout's columns, typed)."""

    users: pa.Table
    products: pa.Table
    events: pa.Table
    search_logs: pa.Table
    personas: pa.Table
    start: date
    end: date  # exclusive
    sessions: int
    #: labels of injected anomalies (``GenerateParams.anomalies``), empty by default
    anomalies: list[dict] = field(default_factory=list)

    def event_counts(self) -> dict[str, int]:
        counts = self.events.column("event_type").value_counts().to_pylist()
        found = {str(c["values"]): int(c["counts"]) for c in counts}
        return {name: found.get(name, 0) for name in LEGACY_NAMES}

    def persona_counts(self) -> dict[str, int]:
        col = self.personas.column("persona").to_numpy(zero_copy_only=False)
        return {name: int((col == name).sum()) for name in PERSONA_NAMES}


def users_for_events(params: GenerateParams) -> int:
    """Number of users whose expected event total is ``params.events``.

    A user's expected events are its expected sessions (the first visit plus a Poisson
    number over its traffic-weighted active span) times its sessions' expected events.
    Users are drawn prefix-stable (see :func:`build_users`), so the running sum of these
    expectations over the very users the run will generate picks the count: the heavy
    tail of a few very active users cannot throw a small target off.
    """
    assert params.events is not None
    cal = Calendar.build(params.start, params.months)

    def expected(users: Users) -> np.ndarray:
        return expected_sessions(users, cal) * expected_events_per_session(users, cal)

    per_user = float(expected(draw_users(PILOT_USERS, cal, params.seed)).mean())
    pool = max(BLOCK, int(1.5 * params.events / per_user))
    while True:
        cum = np.cumsum(expected(draw_users(pool, cal, params.seed)))
        if cum[-1] >= params.events:
            return int(np.searchsorted(cum, params.events)) + 1
        pool *= 2


def _uuid4(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random version-4 UUIDs as 36-byte strings (vectorized)."""
    b = np.frombuffer(rng.bytes(16 * n), np.uint8).reshape(n, 16).copy()
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hexpair = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2").view(np.uint16)
    h = hexpair[b].view("S1").reshape(n, 32)
    out = np.full((n, 36), b"-", dtype="S1")
    for src, dst in (((0, 8), 0), ((8, 12), 9), ((12, 16), 14), ((16, 20), 19), ((20, 32), 24)):
        out[:, dst : dst + src[1] - src[0]] = h[:, src[0] : src[1]]
    return out.view("S36").ravel()


def _products_table(catalog: Catalog) -> pa.Table:
    t = catalog.to_arrow()
    cents = np.round(t.column("price").to_numpy() * 100).astype(np.int64)
    prices = pa.array([Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(12, 2))
    return t.set_column(2, "price", prices)


def generate_tables(params: GenerateParams, progress: ProgressFn | None = None) -> ShopData:
    """Generate a shop in memory (no files): the Python API for benchmarks and tests.

    See :func:`shoplens.generate.generate` for what is generated; ``progress`` is called
    as ``progress(description, fraction_done)``.
    """
    report = progress or (lambda _d, _f: None)
    n_users = users_for_events(params) if params.events is not None else params.users
    cal = Calendar.build(params.start, params.months)
    report("catalogue and users", 0.0)
    catalog = build_catalog(params.catalog_size(n_users), stream(params.seed, CATALOG))
    users = build_users(n_users, cal, params.seed)

    ev_user, ev_kind, ev_prod, ev_ts, ev_sess = [], [], [], [], []
    se_user, se_query, se_ts, se_sess, cl_sess, cl_prod = [], [], [], [], [], []
    uuids, starts = [], []
    n_sessions = 0
    n_chunks = max(1, -(-n_users // CHUNK_USERS))
    for ci in range(n_chunks):
        lo = ci * CHUNK_USERS
        chunk: Users = users.take(slice(lo, lo + CHUNK_USERS))
        rng = stream(params.seed, CHUNK, ci)
        sessions = build_sessions(chunk, cal, rng)
        events, clicks = build_events(sessions, chunk, catalog, cal, rng)
        searches = build_searches(sessions, chunk, rng)
        uuids.append(_uuid4(rng, len(sessions)))
        starts.append(sessions.start)

        ev_user.append(sessions.user[events.session] + lo)
        ev_kind.append(events.kind)
        ev_prod.append(events.product)
        ev_ts.append(events.ts)
        ev_sess.append(events.session + n_sessions)
        se_user.append(sessions.user[searches.session] + lo)
        se_query.append(searches.query)
        se_ts.append(sessions.start[searches.session])
        se_sess.append(searches.session + n_sessions)
        cl_sess.append(clicks.session + n_sessions)
        cl_prod.append(clicks.product)
        n_sessions += len(sessions)
        report(f"sessions and events {ci + 1}/{n_chunks}", 0.85 * (ci + 1) / n_chunks)

    report("ordering events", 0.85)
    ts = np.concatenate(ev_ts)
    order = np.argsort(ts, kind="stable")
    # session ids in order of session start: events in time order then read them almost
    # sequentially (a cache-friendly gather instead of a random one)
    by_start = np.argsort(np.concatenate(starts), kind="stable")
    rank = np.empty_like(by_start)
    rank[by_start] = np.arange(len(by_start))
    session_ids = pa.array(np.concatenate(uuids)[by_start]).cast(pa.string())
    kind = np.concatenate(ev_kind)[order]
    event_user = np.concatenate(ev_user)[order]
    sources = first_event_columns(params.seed, users.persona, event_user,
                                  np.concatenate(ev_sess)[order])
    events = pa.table({
        "user_id": pa.array(users.user_id[event_user]),
        "event_type": pa.DictionaryArray.from_arrays(pa.array(kind), pa.array(LEGACY_NAMES)),
        "product_id": pa.array(catalog.product_id[np.concatenate(ev_prod)[order]]),
        "timestamp": pa.array(ts[order].astype("datetime64[s]")),
        "session_id": session_ids.take(pa.array(rank[np.concatenate(ev_sess)[order]])),
        **sources,
    })

    labels: list[dict] = []
    if params.anomalies:
        from shoplens.generate.anomalies import inject

        report("injecting anomalies", 0.9)
        injected = inject(events, users.to_arrow(), cal.start, cal.n_days, params.anomalies,
                          params.seed)
        events, labels = injected.events, injected.labels

    report("search logs", 0.95)
    search_logs = _search_table(
        users, catalog, np.concatenate(se_user), np.concatenate(se_query), np.concatenate(se_ts),
        np.concatenate(se_sess), np.concatenate(cl_sess), np.concatenate(cl_prod))
    report("generated", 1.0)
    return ShopData(users.to_arrow(), _products_table(catalog), events, search_logs,
                    users.personas_arrow(), cal.start, cal.end, n_sessions, labels)


def _search_table(users: Users, catalog: Catalog, user: np.ndarray, query: np.ndarray,
                  ts: np.ndarray, sess: np.ndarray, click_sess: np.ndarray,
                  click_prod: np.ndarray) -> pa.Table:
    # clicks are grouped by session in session order; searches are one per session
    order = np.argsort(ts, kind="stable")
    user, query, ts, sess = user[order], query[order], ts[order], sess[order]
    # clicks of each search: those of its session, each product once, in click order
    by_product = np.lexsort((np.arange(len(click_sess)), click_prod, click_sess))
    s_sorted, p_sorted = click_sess[by_product], click_prod[by_product]
    repeat = np.zeros(len(by_product), bool)
    repeat[1:] = (s_sorted[1:] == s_sorted[:-1]) & (p_sorted[1:] == p_sorted[:-1])
    c_order = np.sort(by_product[~repeat])  # back to (session, click) order
    click_sess, click_prod = click_sess[c_order], click_prod[c_order]
    lo = np.searchsorted(click_sess, sess, side="left")
    hi = np.searchsorted(click_sess, sess, side="right")
    counts = hi - lo
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    take = np.repeat(lo - offsets[:-1], counts) + np.arange(offsets[-1])
    values = pa.array(catalog.product_id[click_prod[take]], pa.int64())
    clicked = pa.ListArray.from_arrays(pa.array(offsets), values)
    vocab = pa.array(vocabulary().queries, pa.string())
    return pa.table({
        "user_id": pa.array(users.user_id[user]),
        "search_query": vocab.take(pa.array(query)),
        "clicked_product_ids": clicked,
        "timestamp": pa.array(ts.astype("datetime64[s]")),
    })


__all__ = ["ShopData", "generate_tables", "users_for_events"]
