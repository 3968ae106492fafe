"""Sessions: how many each user has while active, when (season, persona hours), what
they are about (a category), how long (views) and whether they start with a search."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoplens.generate.calendar import Calendar
from shoplens.generate.categories import CATEGORIES
from shoplens.generate.personas import PERSONAS, persona_categories
from shoplens.generate.users import Users

#: longest session, in product views (keeps the in-session sort key bounded)
MAX_VIEWS = 120
#: share of exploring sessions that pick any category at random (not the persona's mix)
RANDOM_EXPLORE = 0.2
#: clicks on results after a search: 0, 1, 2, 3
CLICKS_P = np.array([0.2, 0.45, 0.22, 0.13])
HOUR = 3600
DAY = 86_400
#: length of the new-user burst of visits
ONBOARDING_DAYS = 7


@dataclass
class Sessions:
    user: np.ndarray  # int64 index into the users chunk
    start: np.ndarray  # int64 Unix seconds
    category: np.ndarray  # int16 index into CATEGORIES
    n_views: np.ndarray  # int64 >= 1
    search: np.ndarray  # bool
    n_clicks: np.ndarray  # int64 <= n_views, 0 without a search

    def __len__(self) -> int:
        return len(self.user)


def _first_week(users: Users, cal: Calendar) -> np.ndarray:
    """Seconds of the first week after sign-up that lie inside the period."""
    end = np.minimum(users.signup + ONBOARDING_DAYS * DAY, cal.t_end - HOUR)
    return np.maximum(end - users.signup, 0)


def expected_sessions(users: Users, cal: Calendar) -> np.ndarray:
    """Expected number of sessions per user: the first visit, the first-week burst and
    the draw over the traffic-weighted active span."""
    span = cal.weight_at(users.active_until) - cal.weight_at(users.signup)
    week = _first_week(users, cal) / (ONBOARDING_DAYS * DAY)
    return 1.0 + users.onboarding * week + users.session_rate * np.maximum(span, 0.0)


def build_sessions(users: Users, cal: Calendar, rng: np.random.Generator) -> Sessions:
    n = len(users)
    w_lo = cal.weight_at(users.signup)
    w_hi = np.maximum(cal.weight_at(users.active_until), w_lo)
    regular = rng.poisson(users.session_rate * (w_hi - w_lo))
    week = _first_week(users, cal)
    burst = rng.poisson(users.onboarding * week / (ONBOARDING_DAYS * DAY))
    count = 1 + regular + burst
    user = np.repeat(np.arange(n), count)
    s = len(user)
    offsets = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.arange(s) - offsets[user]
    first = rank == 0
    in_burst = rank > regular[user]

    # later sessions: a traffic-weighted day inside the active span, or any time in the
    # first week for the burst; then a persona hour on that day
    t = cal.time_at(w_lo[user] + rng.random(s) * (w_hi - w_lo)[user])
    t[in_burst] = users.signup[user[in_burst]] + rng.random(int(in_burst.sum())) * week[
        user[in_burst]]
    day = np.floor((t - cal.t0) / 86_400).astype(np.int64)
    persona = users.persona[user]
    hour = np.empty(s, np.int64)
    for p, spec in enumerate(PERSONAS):
        idx = np.flatnonzero(persona == p)
        hour[idx] = rng.choice(24, size=len(idx), p=np.array(spec.hours))
    hour = (hour + users.hour_shift[user]) % 24
    start = cal.t0 + day * 86_400 + hour * HOUR + rng.integers(0, HOUR, s)
    signup = users.signup[user]
    # a visit drawn for the sign-up day but before the sign-up hour happens a bit later
    late = start <= signup
    start[late] = signup[late] + rng.integers(60, 4 * HOUR, int(late.sum()))
    start = np.minimum(start, cal.t_end - HOUR)
    start[first] = signup[first]  # the first session is the one in which the user signs up

    # the session's category: a favourite, or (sometimes) something else
    fav_k = (users.fav_cum[user] < rng.random((s, 1))).sum(axis=1)
    fav_k = np.minimum(fav_k, users.favourites.shape[1] - 1)
    category = users.favourites[user, fav_k]
    explore = rng.random(s) < users.explore[user]
    anywhere = explore & (rng.random(s) < RANDOM_EXPLORE)
    category[anywhere] = rng.integers(0, len(CATEGORIES), int(anywhere.sum()))
    mix = np.flatnonzero(explore & ~anywhere)
    category[mix] = persona_categories(persona[mix], rng)

    # views: 1 + negative binomial around the user's mean (a long tail of long sessions)
    extra = np.maximum(users.views[user] - 1.0, 0.05)
    n_views = 1 + rng.negative_binomial(2, 2.0 / (2.0 + extra))
    n_views = np.minimum(n_views, MAX_VIEWS).astype(np.int64)

    search = rng.random(s) < users.search[user]
    n_clicks = rng.choice(len(CLICKS_P), size=s, p=CLICKS_P)
    n_clicks = np.where(search, np.minimum(n_clicks, n_views), 0).astype(np.int64)
    return Sessions(user, start.astype(np.int64), category.astype(np.int16), n_views, search,
                    n_clicks)
