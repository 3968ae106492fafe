"""Revenue: per period and category, average order value, top products, categories, brands."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import BaseModel

from shoplens.engines import Engine
from shoplens.metrics.params import Form, period_bounds
from shoplens.metrics.queries import metric_query, rows, units_query

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
    """A value of the statement (DOUBLE PRECISION of an exact sum) as exact cents."""
    if value is None:
        return Decimal(0)
    return Decimal(str(round(float(value), 4)))


def _by_category(engine: Engine, first: date, last: date, grain: str, form: Form
                 ) -> list[CategoryRevenue]:
    lo, hi = period_bounds(grain, first, last)  # type: ignore[arg-type]
    query = metric_query("revenue_by_category", first=lo, last=hi - timedelta(days=1),
                         grain=grain)
    cells: dict[tuple[date, str], list[Any]] = {}
    for series, period, category, _other, value in rows(engine, query, form):
        cell = cells.setdefault((period, category or NO_CATEGORY), [0, 0, 0])
        cell[series] = value or 0
    out = [CategoryRevenue(period=p, category=c, revenue=_money(r), units=int(u),
                           refunded_units=int(ru)) for (p, c), (r, u, ru) in cells.items()]
    return sorted(out, key=lambda x: (x.period, -x.revenue, x.category))


def _order_value(engine: Engine, first: date, last: date, form: Form) -> OrderValue:
    totals = [0.0, 0.0, 0.0]
    for series, _day, _other, value in rows(engine, metric_query("aov", first=first,
                                                                 last=last), form):
        totals[series] += value or 0
    orders, gross, refunds = int(totals[0]), _money(totals[1]), _money(-totals[2])
    aov = (gross / orders).quantize(CENT, ROUND_HALF_EVEN) if orders else None
    return OrderValue(orders=orders, gross=gross, refunds=refunds, net=gross - refunds,
                      aov=aov)


def top_list(engine: Engine, name: str, first: date, last: date, top_n: int, form: Form
             ) -> list[tuple[Any, Decimal, int]]:
    """``(value, net revenue, units)`` of the ``top_n`` products, categories or brands by
    net revenue over ``[first, last]`` (ties by value, NULL last)."""
    query = metric_query(name, first=first, last=last, top_n=top_n)
    ranked = [(key, _money(value)) for _s, _b, key, other, value in rows(engine, query, form)
              if not other]
    ranked.sort(key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    ranked = ranked[:top_n]
    if not ranked:
        return []
    units = {key: int(value or 0) for _s, _b, key, _o, value in rows(
        engine, units_query(name, [k for k, _ in ranked], first, last), form)}
    return [(key, revenue, units.get(key, 0)) for key, revenue in ranked]


def _labels(engine: Engine, ids: list[str]) -> dict[str, tuple[Any, Any, Any]]:
    """Name, category and brand of the listed products (a top list's labels)."""
    from sqlglot import exp

    if not ids:
        return {}
    names = {f"p{i}": v for i, v in enumerate(ids)}
    sel = (exp.select("product_id", "name", "category", "brand").from_("products")
           .where(exp.column("product_id").isin(*[exp.Placeholder(this=k) for k in names])))
    return {pid: (n, c, b) for pid, n, c, b in engine.fetch_all(sel.sql("postgres"), names)}


def revenue(engine: Engine, values: Mapping[str, Any], form: Form) -> dict[str, Any]:
    """Revenue by category per period, order value and the top lists.

    Each is a trends query (:func:`shoplens.metrics.queries.metric_query`), read from the
    raw events (``naive``) or answered by the planner from the revenue rollups
    (``optimized``).

    Notes
    -----
    - The value of a purchase or refund event is ``price * quantity``
      (``event.revenue``), where the price is the event's own or, where the source has
      none (the legacy platform layout), the product's list price from the catalogue.
      Events with neither are worth 0.
    - Net revenue = value of purchases minus value of refunds, summed exactly and
      reported to 4 decimals.
    - Revenue by category is reported per ``grain`` period (day, Monday week, calendar
      month) for every period that overlaps the range, over the whole period.
      ``category`` is the product's full dotted category; ``"(no category)"`` for a
      product unknown to the catalogue or whose category is NULL or blank.
    - An order is one session's purchases on one day (clickstreams carry no order id):
      orders = the sum over the range's days of the distinct sessions with a purchase
      (``unique_sessions``; purchases without a session are no order). AOV = gross
      purchase value / orders, over the days of the range, rounded to 4 decimals;
      ``None`` without orders.
    - Products without a brand (or category) form one row of the top lists, named
      ``(no brand)`` (``(no category)``), never an empty name.
    - Top lists rank products, categories and brands by net revenue over the days of the
      range (ties by name), with the units purchased.
    """
    first, last = values["roll_first"], values["roll_last"]
    top_n = values["top_n"]
    products = []
    top = top_list(engine, "top_products", first, last, top_n, form)
    labels = _labels(engine, [k for k, _r, _u in top if k is not None])
    for pid, rev, units in top:
        name, category, brand = labels.get(pid, (None, None, None))
        category = category.strip() if isinstance(category, str) else None
        products.append(TopProduct(product_id=pid, name=name, category=category or NO_CATEGORY,
                                   brand=brand, revenue=rev, units=units))
    categories = [TopCategory(category=c or NO_CATEGORY, revenue=r, units=u)
                  for c, r, u in top_list(engine, "top_categories", first, last, top_n, form)]
    brands = [TopBrand(brand=b or NO_BRAND, revenue=r, units=u)
              for b, r, u in top_list(engine, "top_brands", first, last, top_n, form)]
    return {"revenue_by_category": _by_category(engine, first, last, values["grain"], form),
            "aov": _order_value(engine, first, last, form), "top_products": products,
            "top_categories": categories, "top_brands": brands}
