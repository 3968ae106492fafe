"""Catalogue updates: change products' category, brand, list price or name after the fact.

Revenue rollups bake in each product's category, brand and list price
(:mod:`shoplens.metrics.revenue_rollups`), so a catalogue change moves revenue between
categories and brands. :func:`update_catalogue` writes the change to ``products`` and
re-derives only what it touches, in one transaction: the rollups never disagree with
the catalogue, and a failed update leaves both as they were.

Python API::

    from shoplens.metrics.catalogue import ProductChange, update_catalogue
    report = update_catalogue(engine, [ProductChange(product_id="p1", category="audio")])
    print(report.messages)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine
from shoplens.errors import InputError

FIELDS: tuple[str, ...] = ("category", "brand", "price", "name")
SCRATCH = "_shoplens_catalogue_in"


class ProductChange(BaseModel):
    """New values for one product; fields left out keep their value.

    ``category=None`` or a blank category removes the product's category (its revenue
    is then reported under ``"(no category)"``); ``price=None`` removes its list price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str = Field(min_length=1, max_length=500)
    category: str | None = Field(None, max_length=500)
    brand: str | None = Field(None, max_length=500)
    price: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=4)
    name: str | None = Field(None, max_length=2000)

    def given(self) -> set[str]:
        """The fields this change sets (explicit ``None`` included)."""
        return {f for f in FIELDS if f in self.model_fields_set}


class CatalogueUpdate(BaseModel):
    """What :func:`update_catalogue` did."""

    products: int = Field(description="products named by the update")
    changed: int = Field(description="known products whose values changed")
    unchanged: int = Field(description="known products already as asked")
    added: list[str] = Field(default_factory=list, description="products new to the catalogue")
    no_category: list[str] = Field(default_factory=list,
                                   description="products left without a category")
    rederived: int = Field(0, description="products whose revenue rollups were re-derived")
    messages: list[str] = Field(default_factory=list)


def _frame(changes: Sequence[ProductChange]) -> pd.DataFrame:
    seen: dict[str, int] = {}
    for i, c in enumerate(changes, start=1):
        if c.product_id in seen:
            raise InputError(f"product {c.product_id!r} is named twice (also change "
                             f"{seen[c.product_id]})", line=i, field="product_id")
        seen[c.product_id] = i
    rows = []
    for c in changes:
        given = c.given()
        category = c.category if c.category is None or c.category.strip() else None
        rows.append({"product_id": c.product_id, "category": category, "brand": c.brand,
                     "price": c.price, "name": c.name,
                     **{f"set_{f}": f in given for f in FIELDS}})
    return pd.DataFrame(rows)


def _sample(ids: list[str], n: int = 5) -> str:
    shown = ", ".join(ids[:n])
    return shown + (f" and {len(ids) - n} more" if len(ids) > n else "")


def update_catalogue(engine: Engine, changes: Sequence[ProductChange]) -> CatalogueUpdate:
    """Apply product changes and move their revenue in the rollups, in one transaction.

    Parameters
    ----------
    engine
        A connected engine with the ShopLens schema.
    changes
        One :class:`ProductChange` per product (a product named twice is an error).

    Returns
    -------
    CatalogueUpdate
        Counts, the products added and left without a category, and ``messages``
        saying what was done.

    Notes
    -----
    A product the catalogue does not know is added with the values given (its events
    were counted under ``"(no category)"`` until now). A NULL or blank category is
    stored as NULL, and the product's revenue is reported under ``"(no category)"``.
    Only the products whose category, brand or list price actually changed, and the
    categories and brands they leave or join, are re-derived in the revenue rollups.
    """
    from shoplens.metrics import revenue_rollups, rollups

    frame = _frame(changes)
    report = CatalogueUpdate(products=len(frame), changed=0, unchanged=0)
    if frame.empty:
        report.messages.append("no products named: nothing changed")
        return report
    with engine.transaction():
        rollups.ensure(engine)
        engine.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        engine.execute(f"CREATE TABLE {SCRATCH} (product_id TEXT NOT NULL, category TEXT, "
                       "brand TEXT, price NUMERIC(18, 4), name TEXT, set_category BOOLEAN, "
                       "set_brand BOOLEAN, set_price BOOLEAN, set_name BOOLEAN)")
        engine.append_df(SCRATCH, frame)
        differs = " OR ".join(f"(i.set_{f} AND p.{f} IS DISTINCT FROM i.{f})" for f in FIELDS)
        report.added = sorted(r[0] for r in engine.fetch_all(
            f"SELECT product_id FROM {SCRATCH} AS i WHERE NOT EXISTS "
            "(SELECT 1 FROM products AS p WHERE p.product_id = i.product_id)"))
        report.changed = int(engine.scalar(
            f"SELECT COUNT(*) FROM {SCRATCH} AS i JOIN products AS p "
            f"ON p.product_id = i.product_id WHERE {differs}") or 0)
        report.unchanged = report.products - len(report.added) - report.changed
        report.no_category = sorted(r[0] for r in engine.fetch_all(
            f"SELECT product_id FROM {SCRATCH} WHERE set_category AND category IS NULL"))
        sets = ", ".join(f"{f} = CASE WHEN i.set_{f} THEN i.{f} ELSE products.{f} END"
                         for f in FIELDS)
        engine.execute(f"UPDATE products SET {sets} FROM {SCRATCH} AS i "
                       "WHERE products.product_id = i.product_id")
        engine.execute(
            "INSERT INTO products (product_id, category, brand, price, name) "
            f"SELECT product_id, category, brand, price, name FROM {SCRATCH} AS i "
            "WHERE NOT EXISTS (SELECT 1 FROM products AS p WHERE p.product_id = i.product_id)")
        engine.execute(f"DROP TABLE {SCRATCH}")
        report.rederived = revenue_rollups.refresh_catalogue(engine)
    report.messages = _messages(report)
    return report


def _messages(r: CatalogueUpdate) -> list[str]:
    out = [f"{r.changed:,} product(s) changed, {r.unchanged:,} already as given"]
    if r.added:
        out.append(f"{len(r.added):,} product(s) were not in the catalogue and were added: "
                   f"{_sample(r.added)} (their revenue no longer counts under '(no category)')")
    if r.no_category:
        out.append(f"{len(r.no_category):,} product(s) now have no category (NULL or blank "
                   f"given): {_sample(r.no_category)}; their revenue counts under "
                   "'(no category)'")
    out.append(f"revenue rollups re-derived for {r.rederived:,} product(s) and the "
               "categories and brands they left or joined" if r.rederived
               else "revenue rollups unchanged (no category, brand or list price moved)")
    return out


def rename_brand(engine: Engine, old: str, new: str | None) -> CatalogueUpdate:
    """Give every product of brand ``old`` the brand ``new`` (one catalogue update)."""
    ids = [r[0] for r in engine.fetch_all(
        "SELECT product_id FROM products WHERE brand = :old ORDER BY product_id", {"old": old})]
    if not ids:
        raise InputError(f"no product has brand {old!r}", field="brand")
    return update_catalogue(engine, [ProductChange(product_id=i, brand=new) for i in ids])
