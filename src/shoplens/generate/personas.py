"""The hidden personas that drive each generated shopper.

A persona sets the *means*; every user draws its own values around them (see
:mod:`shoplens.generate.users`), and part of each user's browsing falls outside the
persona's favourite categories, so personas overlap the way real segments do: they can
be recovered from behaviour and search words, but not by a single threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from shoplens.generate.categories import CATEGORIES, TOP_LEVELS


def _hours(*peaks: tuple[float, float, float]) -> tuple[float, ...]:
    """24 hourly weights: a small floor plus Gaussian bumps (centre hour, width, height)."""
    h = np.arange(24, dtype=float)
    w = np.full(24, 0.08)
    for centre, width, height in peaks:
        d = np.minimum(np.abs(h - centre), 24 - np.abs(h - centre))  # circular distance
        w += height * np.exp(-0.5 * (d / width) ** 2)
    return tuple(float(x) for x in w / w.sum())


@dataclass(frozen=True)
class Persona:
    name: str
    #: share of sign-ups
    share: float
    #: weight of each top-level category in the persona's browsing
    top_weights: dict[str, float]
    #: probability of looking at the cheapest, middle and dearest third of a category
    price_band: tuple[float, float, float]
    #: mean sessions per week while the user is active
    sessions_per_week: float
    #: mean extra sessions in the first week after sign-up (new users look around)
    onboarding: float
    #: share of users who stay active to the end of the period (the retention plateau)
    loyal: float
    #: mean active lifetime in days of the others (exponential)
    lifetime_days: float
    #: mean product views per session
    views_per_session: float
    #: probability that a view leads to add-to-cart
    cart_rate: float
    #: probability that a cart line is bought in the same session
    purchase_rate: float
    #: probability that a cart line not bought is removed (else abandoned)
    remove_rate: float
    #: probability that a session starts with a site search
    search_rate: float
    #: probability that a session leaves the user's favourite categories
    explore: float
    #: probability that a view (after the first) strays to another category
    stray: float
    #: search templates wrapped around a category phrase; ``{brand}`` takes a brand
    templates: tuple[str, ...]
    #: hour-of-day weights (UTC)
    hours: tuple[float, ...]


PERSONAS: tuple[Persona, ...] = (
    Persona(
        name="tech_enthusiast",
        share=0.20,
        top_weights={"electronics": 0.47, "computers": 0.41, "appliances": 0.03, "sport": 0.02,
                     "apparel": 0.02, "accessories": 0.02, "kids": 0.01, "furniture": 0.01,
                     "construction": 0.01},
        price_band=(0.18, 0.42, 0.40),
        sessions_per_week=1.4,
        onboarding=2.0,
        loyal=0.22,
        lifetime_days=18,
        views_per_session=6.5,
        cart_rate=0.09,
        purchase_rate=0.45,
        remove_rate=0.35,
        search_rate=0.55,
        explore=0.12,
        stray=0.06,
        templates=("{}", "{}", "best {}", "{} review", "{} 2024", "{} specs", "{} pro",
                   "{brand} {}", "{brand} {}", "{} vs {brand}"),
        hours=_hours((21.0, 2.0, 1.0), (0.5, 1.5, 0.35), (13.0, 1.5, 0.2)),
    ),
    Persona(
        name="bargain_hunter",
        share=0.22,
        top_weights={"electronics": 0.16, "computers": 0.10, "appliances": 0.16, "apparel": 0.15,
                     "accessories": 0.08, "furniture": 0.10, "sport": 0.08, "kids": 0.10,
                     "construction": 0.04, "country_yard": 0.03},
        price_band=(0.72, 0.22, 0.06),
        sessions_per_week=2.0,
        onboarding=2.5,
        loyal=0.20,
        lifetime_days=15,
        views_per_session=9.0,
        cart_rate=0.065,
        purchase_rate=0.34,
        remove_rate=0.45,
        search_rate=0.65,
        explore=0.30,
        stray=0.2,
        templates=("cheap {}", "{} sale", "discount {}", "{} under 50", "{} deal",
                   "{} clearance", "best price {}", "{} promo code", "{}", "used {}"),
        hours=_hours((8.0, 1.2, 0.5), (12.5, 1.0, 0.7), (20.0, 1.8, 0.9)),
    ),
    Persona(
        name="fashion_lover",
        share=0.20,
        top_weights={"apparel": 0.56, "accessories": 0.27, "sport": 0.05, "electronics": 0.05,
                     "kids": 0.03, "furniture": 0.02, "appliances": 0.02},
        price_band=(0.28, 0.45, 0.27),
        sessions_per_week=1.6,
        onboarding=2.0,
        loyal=0.22,
        lifetime_days=18,
        views_per_session=8.0,
        cart_rate=0.12,
        purchase_rate=0.44,
        remove_rate=0.40,
        search_rate=0.45,
        explore=0.12,
        stray=0.06,
        templates=("{}", "{}", "trendy {}", "{} new collection", "{} women", "{} black",
                   "summer {}", "{} outfit", "{brand} {}", "{brand} {} new"),
        hours=_hours((12.5, 1.2, 0.6), (20.5, 2.0, 1.0)),
    ),
    Persona(
        name="home_maker",
        share=0.18,
        top_weights={"furniture": 0.34, "appliances": 0.36, "kids": 0.14, "construction": 0.06,
                     "country_yard": 0.04, "electronics": 0.03, "apparel": 0.02, "sport": 0.01},
        price_band=(0.30, 0.50, 0.20),
        sessions_per_week=1.1,
        onboarding=1.8,
        loyal=0.25,
        lifetime_days=20,
        views_per_session=5.5,
        cart_rate=0.10,
        purchase_rate=0.55,
        remove_rate=0.30,
        search_rate=0.40,
        explore=0.12,
        stray=0.06,
        templates=("{}", "{}", "{} white", "{} for family", "{} with delivery",
                   "best {} for home", "{brand} {}", "{} installation", "quiet {}"),
        hours=_hours((10.0, 1.8, 1.0), (14.5, 1.5, 0.6), (20.0, 1.5, 0.35)),
    ),
    Persona(
        name="occasional_browser",
        share=0.20,
        top_weights={"electronics": 0.24, "computers": 0.10, "appliances": 0.16, "apparel": 0.14,
                     "accessories": 0.07, "furniture": 0.10, "sport": 0.08, "kids": 0.08,
                     "construction": 0.02, "country_yard": 0.01},
        price_band=(0.33, 0.45, 0.22),
        sessions_per_week=0.10,
        onboarding=0.2,
        loyal=0.40,
        lifetime_days=45,
        views_per_session=2.3,
        cart_rate=0.035,
        purchase_rate=0.25,
        remove_rate=0.30,
        search_rate=0.15,
        explore=0.55,
        stray=0.45,
        templates=("{}",),
        hours=_hours((19.0, 3.0, 1.0), (11.0, 2.5, 0.4)),
    ),
)

PERSONA_NAMES: tuple[str, ...] = tuple(p.name for p in PERSONAS)


def persona_shares() -> np.ndarray:
    s = np.array([p.share for p in PERSONAS])
    return s / s.sum()


def category_weights(persona: Persona) -> np.ndarray:
    """Probability of each leaf category (in :data:`CATEGORIES` order) for a persona:
    the top-level weight split over its leaves by their catalogue weight."""
    top_leaf_total = {t: sum(c.weight for c in CATEGORIES if c.top == t) for t in TOP_LEVELS}
    w = np.array([persona.top_weights.get(c.top, 0.0) * c.weight / top_leaf_total[c.top]
                  for c in CATEGORIES])
    return w / w.sum()


@lru_cache(maxsize=1)
def category_matrix() -> np.ndarray:
    """(personas x categories) matrix of :func:`category_weights`."""
    m = np.vstack([category_weights(p) for p in PERSONAS])
    m.flags.writeable = False
    return m


def persona_categories(persona: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per element, drawn from that element's persona's category mix."""
    cum = np.cumsum(category_matrix(), axis=1)
    out = np.empty(len(persona), np.int16)
    for p in range(len(PERSONAS)):
        idx = np.flatnonzero(persona == p)
        pick = np.searchsorted(cum[p], rng.random(len(idx)) * cum[p, -1], side="right")
        out[idx] = np.minimum(pick, cum.shape[1] - 1)
    return out
