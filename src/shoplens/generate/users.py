"""Shoppers: when they sign up (a growing shop), where they live, their hidden persona
and the individual values each draws around its persona's means."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shoplens.generate.calendar import DAY, Calendar
from shoplens.generate.personas import PERSONA_NAMES, PERSONAS, category_matrix, persona_shares
from shoplens.generate.streams import USER_IDS, USERS, stream

COUNTRIES = ("US", "GB", "DE", "FR", "PL", "ES", "IT", "NL", "CA", "SE", "UA", "BR", "AU", "IE")
COUNTRY_WEIGHTS = np.array([30, 12, 12, 9, 7, 6, 6, 4, 4, 2, 2, 3, 2, 1], dtype=float)
#: sign-ups per day grow by this factor from the first to the last day of the period
GROWTH = 2.5
#: favourite categories per user
N_FAVOURITES = 3
#: users per independently drawn block
BLOCK = 4096
#: sessions close to the period end would be cut off: sign-ups stop this early
TAIL = 2 * 3600


@dataclass
class Users:
    """One row per user (struct of arrays), in sign-up order."""

    user_id: np.ndarray  # int64, increasing with sign-up
    signup: np.ndarray  # int64 Unix seconds
    country: np.ndarray  # int8 index into COUNTRIES
    persona: np.ndarray  # int8 index into PERSONAS
    active_until: np.ndarray  # int64 Unix seconds (churn), <= period end
    session_rate: np.ndarray  # sessions per (average) day while active
    onboarding: np.ndarray  # expected extra sessions in the first week
    views: np.ndarray  # mean views per session
    cart: np.ndarray  # add-to-cart probability per view
    purchase: np.ndarray  # purchase probability per cart line
    remove: np.ndarray  # removal probability per unbought cart line
    search: np.ndarray  # probability a session starts with a search
    band_cum: np.ndarray  # (n, 3) cumulative price-band probabilities
    favourites: np.ndarray  # (n, N_FAVOURITES) category indices
    fav_cum: np.ndarray  # (n, N_FAVOURITES) cumulative favourite weights
    explore: np.ndarray  # probability a session leaves the favourites
    stray: np.ndarray  # probability a view strays from the session's category
    hour_shift: np.ndarray  # int8, the user's own shift of the persona's hours

    def __len__(self) -> int:
        return len(self.user_id)

    def take(self, rows: slice | np.ndarray) -> Users:
        return Users(**{k: v[rows] for k, v in self.__dict__.items()})

    def to_arrow(self) -> pa.Table:
        signup = self.signup.astype("datetime64[s]").astype("datetime64[D]")
        return pa.table({
            "user_id": pa.array(self.user_id, pa.int64()),
            "signup_date": pa.array(signup, pa.date32()),
            "country": pa.array(np.array(COUNTRIES, dtype=object)[self.country], pa.string()),
        })

    def personas_arrow(self) -> pa.Table:
        return pa.table({
            "user_id": pa.array(self.user_id, pa.int64()),
            "persona": pa.array(np.array(PERSONA_NAMES, dtype=object)[self.persona], pa.string()),
        })


def _lognormal(rng: np.random.Generator, mean: np.ndarray, sigma: float) -> np.ndarray:
    """Positive draws with the given mean (a lognormal's mean is exp(mu + sigma^2/2))."""
    return mean * np.exp(rng.normal(-0.5 * sigma**2, sigma, len(mean)))


def build_users(n: int, cal: Calendar, seed: int) -> Users:
    """Draw ``n`` users who sign up during the period, in sign-up order, with ids.

    Users are drawn in fixed blocks, each from its own stream, so the first ``k`` users
    drawn for ``n`` are the same for every ``n >= k`` (which lets ``--events`` pick the
    number of users from the expected activity of the very users it will generate).
    """
    users = draw_users(n, cal, seed)
    users = users.take(np.argsort(users.signup, kind="stable"))
    # ids increase with sign-up, with gaps (like a real auto-increment after deletes)
    span = max(10 * n, 1_000_000)
    rng = stream(seed, USER_IDS)
    users.user_id = np.sort(rng.choice(span, size=n, replace=False)).astype(np.int64) + 100_000
    return users


def draw_users(n: int, cal: Calendar, seed: int) -> Users:
    """The first ``n`` users in draw order (not sorted, without ids)."""
    blocks = [_draw_block(BLOCK, cal, stream(seed, USERS, b)) for b in range(-(-n // BLOCK))]
    if not blocks:
        return _draw_block(0, cal, stream(seed, USERS, 0))
    return Users(**{k: np.concatenate([getattr(b, k) for b in blocks])[:n]
                    for k in blocks[0].__dict__})


def _draw_block(n: int, cal: Calendar, rng: np.random.Generator) -> Users:
    # sign-up times: traffic-weighted days with exponential growth
    t_lo, t_hi = cal.t0, cal.t_end - TAIL
    growth = np.log(GROWTH) * np.arange(cal.n_days) / max(1, cal.n_days - 1)
    day_w = cal.weights * np.exp(growth)
    day = rng.choice(cal.n_days, size=n, p=day_w / day_w.sum())
    signup = np.minimum(cal.t0 + day * DAY + rng.integers(0, DAY, n), t_hi - 1)
    signup = np.maximum(signup, t_lo)

    persona = rng.choice(len(PERSONAS), size=n, p=persona_shares()).astype(np.int8)
    country = rng.choice(len(COUNTRIES), size=n,
                         p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum()).astype(np.int8)

    def per(attr: str) -> np.ndarray:
        return np.array([getattr(p, attr) for p in PERSONAS])[persona]

    # churn: loyal users stay to the end; the others leave after an exponential lifetime,
    # so cohort retention falls and then flattens at the loyal share
    loyal = rng.random(n) < per("loyal")
    lifetime = rng.exponential(per("lifetime_days")) * DAY
    active_until = np.where(loyal, cal.t_end, signup + lifetime).astype(np.int64)
    active_until = np.minimum(active_until, cal.t_end - TAIL // 2)

    session_rate = _lognormal(rng, per("sessions_per_week") / 7.0, 0.6)
    onboarding = per("onboarding") * rng.uniform(0.5, 1.5, n)
    views = _lognormal(rng, per("views_per_session"), 0.3)
    cart = np.clip(_lognormal(rng, per("cart_rate"), 0.3), 0.0, 0.6)
    purchase = np.clip(_lognormal(rng, per("purchase_rate"), 0.25), 0.0, 0.95)
    remove = np.clip(_lognormal(rng, per("remove_rate"), 0.25), 0.0, 0.95)
    search = np.clip(_lognormal(rng, per("search_rate"), 0.3), 0.0, 0.95)

    # price band: a Dirichlet around the persona's band preference
    base = np.array([p.price_band for p in PERSONAS])[persona]
    bands = rng.gamma(base * 12.0)
    bands /= bands.sum(axis=1, keepdims=True)
    band_cum = np.cumsum(bands, axis=1)

    # favourite categories drawn from the persona's category mix, with random weights
    cat_cum = np.cumsum(category_matrix(), axis=1)
    u = rng.random((n, N_FAVOURITES))
    favourites = np.empty((n, N_FAVOURITES), np.int16)
    for k in range(N_FAVOURITES):
        rows = cat_cum[persona]
        favourites[:, k] = np.minimum((rows < u[:, k : k + 1]).sum(axis=1), rows.shape[1] - 1)
    fw = rng.gamma(np.full((n, N_FAVOURITES), 1.2))
    fav_cum = np.cumsum(fw / fw.sum(axis=1, keepdims=True), axis=1)
    explore = np.clip(per("explore") * rng.uniform(0.6, 1.4, n), 0.0, 0.9)
    stray = np.clip(per("stray") * rng.uniform(0.6, 1.4, n), 0.0, 0.9)
    hour_shift = rng.integers(-1, 2, n).astype(np.int8)

    return Users(
        user_id=np.zeros(n, np.int64), signup=signup.astype(np.int64), country=country,
        persona=persona, active_until=active_until, session_rate=session_rate,
        onboarding=onboarding, views=views, cart=cart, purchase=purchase, remove=remove,
        search=search, band_cum=band_cum, favourites=favourites, fav_cum=fav_cum,
        explore=explore, stray=stray, hour_shift=hour_shift)
