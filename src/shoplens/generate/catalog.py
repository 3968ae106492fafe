"""The product catalogue: products per category with brands, list prices in price bands
and a power-law (Zipf) popularity within each category.

Products are grouped by (category, price band) — the cheapest, middle and dearest third
of a category — so that a shopper's price preference and the popularity of products can
be sampled together in O(1) per draw with Walker's alias method (one alias table per
group; Vose, "A linear algorithm for generating random numbers with a given
distribution", IEEE TSE 17(9), 1991).
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
    #: first row and number of rows of each (category, band) group
    group_start: np.ndarray
    group_size: np.ndarray
    #: alias tables over all rows (within each group): keep row with prob, else alias
    alias_prob: np.ndarray
    alias: np.ndarray

    @property
    def size(self) -> int:
        return len(self.product_id)

    def sample(self, category: np.ndarray, band: np.ndarray, rng: np.random.Generator
               ) -> np.ndarray:
        """Row indices of products drawn by popularity from each (category, band)."""
        g = category.astype(np.int64) * N_BANDS + band
        size = self.group_size[g]
        row = self.group_start[g] + np.minimum((rng.random(len(g)) * size).astype(np.int64),
                                               size - 1)
        keep = rng.random(len(g)) < self.alias_prob[row]
        return np.where(keep, row, self.alias[row])

    def to_arrow(self) -> pa.Table:
        codes = np.array([c.code for c in CATEGORIES], dtype=object)
        order = np.argsort(self.product_id, kind="stable")
        return pa.table({
            "product_id": pa.array(self.product_id[order], pa.int64()),
            "category": pa.array(codes[self.category[order]], pa.string()),
            "price": pa.array(self.price[order], pa.float64()),
            "brand": pa.array([self.brand[i] or None for i in order], pa.string()),
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
    size = np.bincount(group, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    alias_prob = np.ones(len(pop))
    alias = np.arange(len(pop))
    for g in range(n_groups):
        lo, n = int(start[g]), int(size[g])
        if n:
            alias_prob[lo : lo + n], alias[lo : lo + n] = _alias_table(pop[lo : lo + n])
            alias[lo : lo + n] += lo

    ids = rng.choice(9_000_000, size=len(price), replace=False).astype(np.int64) + 1_000_000
    return Catalog(ids, category, band, price, brand, name, start, size, alias_prob, alias)


def _alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table: draw slot i uniformly, keep it with ``prob[i]``, else take
    ``alias[i]``; the result has probability ``weights / weights.sum()``."""
    n = len(weights)
    scaled = weights * (n / weights.sum())
    prob = np.ones(n)
    alias = np.arange(n)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # leftovers are 1 up to rounding
    return prob, alias
