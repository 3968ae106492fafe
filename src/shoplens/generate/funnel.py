"""Events inside sessions: product views, and the view → cart → purchase funnel with
removals, laid out in time.

Within a session the shopper views products (mostly from the session's category, in the
user's price band, by popularity); a view may lead to add-to-cart right after it; a cart
line is either bought at checkout (the end of the session), removed after a later view,
or abandoned. Conversion rises with the season (busy days convert better).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.generate.calendar import Calendar
from shoplens.generate.catalog import Catalog
from shoplens.generate.personas import persona_categories
from shoplens.generate.sessions import MAX_VIEWS, Sessions
from shoplens.generate.users import Users

VIEW, CART, REMOVE, PURCHASE = 0, 1, 2, 3
#: the legacy platform's spellings, by event code
LEGACY_NAMES = ("viewed", "add-to-cart", "remove-from-cart", "purchased")
#: share of stray views that go to one of the user's favourites (else the persona's mix)
STRAY_TO_FAVOURITE = 0.5
#: add-to-cart propensity by price band: cheap things go to the cart more easily
BAND_CART = np.array([1.15, 1.0, 0.8])
#: mean seconds before each kind of event
GAP_MEAN = {VIEW: 45.0, CART: 12.0, REMOVE: 25.0}
CHECKOUT_MEAN = 90.0
_SLOT = 256.0  # > 2 * MAX_VIEWS + 3: room for every in-session sort key
assert _SLOT > 2 * MAX_VIEWS + 3


@dataclass
class Events:
    session: np.ndarray  # int64 index into the sessions
    kind: np.ndarray  # int8 VIEW/CART/REMOVE/PURCHASE
    product: np.ndarray  # int64 row of the catalogue
    ts: np.ndarray  # int64 Unix seconds

    def __len__(self) -> int:
        return len(self.kind)


@dataclass
class Clicks:
    """The first products viewed after a search: its clicked results."""

    session: np.ndarray
    product: np.ndarray


def expected_events_per_session(users: Users, cal: Calendar) -> np.ndarray:
    """Expected events per session of each user (for ``--events``): views, plus carts
    (by the user's price bands and the season's conversion lift) and what follows them."""
    views = np.maximum(users.views, 1.05)
    band_p = np.diff(users.band_cum, axis=1, prepend=0.0)
    lift = cal.conversion_lift()
    carts = views * np.minimum(users.cart * (band_p @ BAND_CART) * lift, 0.9)
    bought = np.minimum(users.purchase * lift, 0.95)
    removed = (1 - bought) * users.remove
    return views + carts * (1 + bought + removed)


def build_events(sessions: Sessions, users: Users, catalog: Catalog, cal: Calendar,
                 rng: np.random.Generator) -> tuple[Events, Clicks]:
    s = len(sessions)
    nv = sessions.n_views
    v_sess = np.repeat(np.arange(s), nv)
    offsets = np.concatenate([[0], np.cumsum(nv)[:-1]])
    pos = np.arange(len(v_sess)) - offsets[v_sess]
    v_user = sessions.user[v_sess]
    nv_total = len(v_sess)

    # what is viewed: the session's category (search results first), sometimes another
    # favourite; a price band from the user's preference; a product by popularity
    category = sessions.category[v_sess].copy()
    stray = (pos >= np.maximum(1, sessions.n_clicks[v_sess])) & (
        rng.random(nv_total) < users.stray[v_user])
    to_fav = stray & (rng.random(nv_total) < STRAY_TO_FAVOURITE)
    k = rng.integers(0, users.favourites.shape[1], int(to_fav.sum()))
    category[to_fav] = users.favourites[v_user[to_fav], k]
    to_mix = np.flatnonzero(stray & ~to_fav)
    category[to_mix] = persona_categories(users.persona[v_user[to_mix]], rng)
    u = rng.random(nv_total)
    band = (u > users.band_cum[:, 0][v_user]).astype(np.int8) + (u > users.band_cum[:, 1][v_user])
    product = catalog.sample(category, band, rng)

    # season: busy days convert better
    conv = cal.day_conversion(sessions.start)
    p_cart = users.cart[v_user] * BAND_CART[catalog.band[product]] * conv[v_sess]
    carted = rng.random(nv_total) < np.minimum(p_cart, 0.9)
    c_idx = np.flatnonzero(carted)
    c_sess = v_sess[c_idx]
    c_user = v_user[c_idx]
    r = rng.random(len(c_idx))
    p_buy = np.minimum(users.purchase[c_user] * conv[c_sess], 0.95)
    bought = r < p_buy
    removed = ~bought & (rng.random(len(c_idx)) < users.remove[c_user])

    # in-session order: view i at 2i, its cart at 2i+1, a removal after a later view,
    # purchases at checkout after the last view
    n_of = nv[c_sess]
    c_pos = pos[c_idx]
    rm_after = c_pos + np.floor(rng.random(len(c_idx)) * (n_of - c_pos)).astype(np.int64)
    parts = [
        (v_sess, np.full(nv_total, VIEW, np.int8), np.arange(nv_total), 2.0 * pos),
        (c_sess, np.full(len(c_idx), CART, np.int8), c_idx, 2.0 * c_pos + 1),
        (c_sess[removed], np.full(int(removed.sum()), REMOVE, np.int8), c_idx[removed],
         2.0 * rm_after[removed] + 1.5),
        (c_sess[bought], np.full(int(bought.sum()), PURCHASE, np.int8), c_idx[bought],
         2.0 * n_of[bought] + 2 + c_pos[bought] / _SLOT),
    ]
    e_sess = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts])
    view_row = np.concatenate([p[2] for p in parts])
    key = e_sess * _SLOT + np.concatenate([p[3] for p in parts])
    order = np.argsort(key, kind="stable")
    e_sess, kind, view_row = e_sess[order], kind[order], view_row[order]

    # time: gaps between consecutive events of a session
    n = len(kind)
    gap = np.empty(n, np.float64)
    for code, mean in GAP_MEAN.items():
        m = kind == code
        gap[m] = rng.exponential(mean, int(m.sum()))
    m = kind == PURCHASE
    prev_purchase = np.r_[False, m[:-1]] & np.r_[False, e_sess[1:] == e_sess[:-1]]
    gap[m & ~prev_purchase] = rng.exponential(CHECKOUT_MEAN, int((m & ~prev_purchase).sum()))
    gap[m & prev_purchase] = 1.0
    gap = np.maximum(1, np.round(gap)).astype(np.int64)
    first = np.r_[True, e_sess[1:] != e_sess[:-1]]
    # the first event follows the search (if any) by a few seconds, else opens the session
    searched = sessions.search[e_sess[first]]
    gap[first] = np.where(searched, rng.integers(4, 40, int(first.sum())), 0)
    c = np.cumsum(gap)
    base = (c - gap)[first]
    ts = sessions.start[e_sess] + c - np.repeat(base, np.diff(np.r_[np.flatnonzero(first), n]))

    keep = ts < cal.t_end
    events = Events(e_sess[keep], kind[keep], product[view_row[keep]], ts[keep])
    clicked = pos < sessions.n_clicks[v_sess]
    return events, Clicks(v_sess[clicked], product[clicked])
