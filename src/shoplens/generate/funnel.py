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
from shoplens.generate.sessions import MAX_VIEWS, Sessions
from shoplens.generate.users import Users

VIEW, CART, REMOVE, PURCHASE = 0, 1, 2, 3
#: the legacy platform's spellings, by event code
LEGACY_NAMES = ("viewed", "add-to-cart", "remove-from-cart", "purchased")
#: share of views (after the first) that stray to another favourite category
CROSS_VIEW = 0.07
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


def expected_events_per_session(users: Users) -> np.ndarray:
    """Approximate expected events per session for each user (for ``--events``)."""
    views = np.maximum(users.views, 1.05)
    carts = views * users.cart
    bought = users.purchase
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
    stray = (pos >= np.maximum(1, sessions.n_clicks[v_sess])) & (rng.random(nv_total) < CROSS_VIEW)
    k = rng.integers(0, users.favourites.shape[1], int(stray.sum()))
    category[stray] = users.favourites[v_user[stray], k]
    u = rng.random(nv_total)
    bc = users.band_cum[v_user]
    band = (u > bc[:, 0]).astype(np.int8) + (u > bc[:, 1])
    product = catalog.sample(category, band, rng.random(nv_total) * (1 - 1e-9))

    # season: busy days convert better
    conv = np.sqrt(np.clip(cal.day_weight(sessions.start), 0.7, 2.0))
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
