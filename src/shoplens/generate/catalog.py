"""The product catalogue: products per category with brands, list prices in price bands
and a power-law (Zipf) popularity within each category.

Products are grouped by (category, price band) — the cheapest, middle and dearest third
of a category — so that a shopper's price preference and the popularity of products can
be sampled together with one vectorized lookup (:meth:`Catalog.sample`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shoplens.generate.categories import CATEGORIES

N_BANDS = 3
#: Zipf exponent of product popularity within a category
ZIPF = 1.15
#: share of products without a brand (as in real exports)
NO_BRAND = 0.05


@dataclass(frozen=True)
class Catalog:
    """Products sorted by (category, band, popularity rank)."""

    product_id: np.ndarray  # int64
    category: np.ndarray  # int16 index into CATEGORIES
    band: np.ndarray  # int8 0 cheap .. 2 dear
    price: np.ndarray  # float64, two decimals
    brand: list[str]
    name: list[str]
    #: cumulative popularity: group g's products span (g, g+1]
    _cum: np.ndarray

    @property
    def size(self) -> int:
        return len(self.product_id)

    def sample(self, category: np.ndarray, band: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Row indices of products drawn by popularity from each (category, band),
        using the uniform draws ``u`` in [0, 1)."""
        key = category.astype(np.float64) * N_BANDS + band + u
        idx = np.searchsorted(self._cum, key, side="right")
        return np.minimum(idx, self.size - 1)

    def to_arrow(self) -> pa.Table:
        codes = np.array([c.code for c in CATEGORIES], dtype=object)
        order = np.argsort(self.product_id, kind="stable")
        return pa.table({
            "product_id": pa.array(self.product_id[order], pa.int64()),
            "category": pa.array(codes[self.category[order]], pa.string()),
            "price": pa.array(self.price[order], pa.float64()),
            "brand": pa.array([self.brand[i] for i in order], pa.string()),
            "name": pa.array([self.name[i] for i in order], pa.string()),
        })


def build_catalog(n_products: int, rng: np.random.Generator) -> Catalog:
    """Draw a catalogue of about ``n_products`` products (at least 3 per price band of
    every category)."""
    weights = np.array([c.weight for c in CATEGORIES])
    per_cat = np.maximum(3 * N_BANDS, np.round(n_products * weights / weights.sum())).astype(int)

    cat_l, band_l, price_l, pop_l, brand_l, name_l = [], [], [], [], [], []
    for ci, (cat, n) in enumerate(zip(CATEGORIES, per_cat, strict=True)):
        # brands: Zipf-popular, each with a price level (premium brands cost more)
        nb = len(cat.brands)
        brand_pop = 1.0 / np.arange(1, nb + 1) ** 0.9
        brand_level = np.exp(rng.normal(0, 0.25, nb))
        b = rng.choice(nb, size=n, p=brand_pop / brand_pop.sum())
        price = cat.median_price * np.exp(rng.normal(0, cat.sigma, n)) * brand_level[b]
        # shop prices: two decimals, many ending in .99
        price = np.maximum(0.99, np.round(price, 0) - np.where(rng.random(n) < 0.6, 0.01, 0.0))
        price = np.round(price, 2)
        # bands: terciles of the category's own prices
        rank = np.argsort(np.argsort(price, kind="stable"), kind="stable")
        band = (rank * N_BANDS // n).astype(np.int8)
        # popularity: a random rank within the category, Zipf weights
        pop_rank = rng.permutation(n)
        pop = 1.0 / (pop_rank + 1.0) ** ZIPF
        no_brand = rng.random(n) < NO_BRAND
        models = rng.integers(100, 10_000, n)
        letters = rng.integers(0, 26, n)
        for j in range(n):
            brand = "" if no_brand[j] else cat.brands[b[j]]
            label = brand.capitalize() if brand else "Generic"
            brand_l.append(brand)
            name_l.append(f"{label} {cat.noun} {chr(65 + letters[j])}{models[j]}")
        cat_l.append(np.full(n, ci, np.int16))
        band_l.append(band)
        price_l.append(price)
        pop_l.append(pop)

    category = np.concatenate(cat_l)
    band = np.concatenate(band_l)
    price = np.concatenate(price_l)
    pop = np.concatenate(pop_l)
    # most popular first within each (category, band) group
    order = np.lexsort((-pop, band, category))
    category, band, price, pop = category[order], band[order], price[order], pop[order]
    brand = [brand_l[i] for i in order]
    name = [name_l[i] for i in order]

    group = category.astype(np.int64) * N_BANDS + band
    n_groups = len(CATEGORIES) * N_BANDS
    totals = np.bincount(group, weights=pop, minlength=n_groups)
    within = np.cumsum(pop) - np.concatenate([[0.0], np.cumsum(totals)])[group]
    cum = group + within / totals[group]
    cum[np.r_[group[1:] != group[:-1], True]] = group[np.r_[group[1:] != group[:-1], True]] + 1.0

    ids = rng.choice(9_000_000, size=len(price), replace=False).astype(np.int64) + 1_000_000
    return Catalog(ids, category, band, price, brand, name, cum)
