"""Revenue: per period and category, average order value, top products, categories, brands."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import BaseModel

from shoplens.engines import Engine
from shoplens.metrics.params import Form
from shoplens.metrics.registry import run

CENT = Decimal("0.0001")


#: the name of the top-list row of products without a brand / a category
NO_BRAND = "(no brand)"
NO_CATEGORY = "(no category)"

class CategoryRevenue(BaseModel):
    period: date
    category: str
    revenue: Decimal
    units: int
    refunded_units: int


class OrderValue(BaseModel):
    orders: int
    gross: Decimal
    refunds: Decimal
    net: Decimal
    aov: Decimal | None


class TopProduct(BaseModel):
    product_id: str | None
    name: str | None
    category: str | None
    brand: str | None
    revenue: Decimal
    units: int


class TopCategory(BaseModel):
    category: str | None
    revenue: Decimal
    units: int


class TopBrand(BaseModel):
    brand: str | None
    revenue: Decimal
    units: int


def _money(value: Any) -> Decimal:
    return Decimal(value if value is not None else 0)


def revenue(engine: Engine, values: Mapping[str, Any], form: Form) -> dict[str, Any]:
    """Revenue by category per period, order value and the top lists.

    Notes
    -----
    - The value of a purchase or refund event is ``price * quantity``, where the price is
      the event's own or, where the source has none (the legacy platform layout), the
      product's list price from the catalogue. Events with neither add nothing.
    - Net revenue = value of purchases minus value of refunds (exact ``NUMERIC``).
    - Revenue by category is reported per ``grain`` period (day, Monday week, calendar
      month) for every period that overlaps the range, over the whole period.
      ``category`` is the product's full dotted category; ``"(no category)"`` for a
      product unknown to the catalogue or whose category is NULL or blank.
    - An order is one user's purchases in one session on one day (clickstreams carry no
      order id). AOV = gross purchase value / orders, over the days of the range,
      rounded to 4 decimals; ``None`` without orders.
    - Products without a brand (or category) form one row of the top lists, named
      ``(no brand)`` (``(no category)``), never an empty name.
    - Top lists rank products, categories and brands by net revenue over the days of the
      range (ties by name), with the units purchased.
    """
    by_category = [
        CategoryRevenue(period=p, category=c, revenue=_money(r), units=u, refunded_units=ru)
        for p, c, r, u, ru in run(engine, "revenue_by_category", form, values)]
    ((orders, gross, refunds),) = run(engine, "aov", form, values)
    gross, refunds = _money(gross), _money(refunds)
    aov = (gross / orders).quantize(CENT, ROUND_HALF_EVEN) if orders else None
    order_value = OrderValue(orders=orders, gross=gross, refunds=refunds, net=gross - refunds,
                             aov=aov)
    products = [TopProduct(product_id=pid, name=n, category=c, brand=b, revenue=_money(r),
                           units=u)
                for pid, n, c, b, r, u in run(engine, "top_products", form, values)]
    categories = [TopCategory(category=c or NO_CATEGORY, revenue=_money(r), units=u)
                  for c, r, u in run(engine, "top_categories", form, values)]
    brands = [TopBrand(brand=b or NO_BRAND, revenue=_money(r), units=u)
              for b, r, u in run(engine, "top_brands", form, values)]
    return {"revenue_by_category": by_category, "aov": order_value, "top_products": products,
            "top_categories": categories, "top_brands": brands}
