"""Upkeep of the revenue rollups: per product, per category, per brand, period totals.

Each question of the revenue family reads the rows of its own grain
(``rollup_revenue_category`` for revenue per category, ``rollup_revenue_brand`` for the
top brands, ``rollup_revenue_total`` for the order value, ``rollup_revenue_product`` for
the top products), so no read joins the catalogue or sums more rows than a few per
answer. The price of them: category, brand and list price are baked in, so a catalogue
change must reach the rollups. :func:`refresh_catalogue` compares ``products`` with the
catalogue values the rollups were derived with (``rollup_revenue_catalogue``) and
re-derives only the products that changed and the categories and brands they leave or
join; it runs inside every load's transaction (before the load's days are refreshed)
and inside :func:`shoplens.metrics.catalogue.update_catalogue`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shoplens.engines import Engine
from shoplens.metrics.params import period_bounds

NO_CATEGORY = "(no category)"

REVENUE_TABLES: tuple[str, ...] = (
    "rollup_revenue_product", "rollup_revenue_category", "rollup_revenue_brand",
    "rollup_revenue_total", "rollup_revenue_catalogue",
)


def period_values(first: date, last: date) -> dict[str, Any]:
    """``<grain>_lo``/``<grain>_hi`` of every grain's periods overlapping ``[first, last]``."""
    values: dict[str, Any] = {}
    for grain in ("day", "week", "month"):
        values[f"{grain}_lo"], values[f"{grain}_hi"] = period_bounds(grain, first, last)
    values["quarter_lo"] = quarter_start(first)
    values["quarter_hi"] = quarter_start(quarter_start(last) + timedelta(days=92))
    return values


def quarter_start(d: date) -> date:
    """First day of ``d``'s calendar quarter (``date_trunc('quarter')``)."""
    return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)


def run_script(engine: Engine, filename: str, values: Mapping[str, Any] | None = None) -> None:
    from shoplens.metrics.rollups import run_script as run

    run(engine, filename, values)


def refresh_days(engine: Engine, first: date, last: date) -> None:
    """Re-derive the revenue rows of days ``[first, last]`` and of the weeks and months
    containing them (call :func:`refresh_catalogue` first: new rows use ``products``)."""
    values = period_values(first, last)
    run_script(engine, "sql/refresh/revenue_days.sql", values)
    run_script(engine, "sql/refresh/revenue_groups.sql", values)


def changed_products(engine: Engine) -> int:
    """How many products differ from the catalogue values the rollups were derived with."""
    return int(engine.scalar(
        "SELECT COUNT(*) FROM rollup_revenue_catalogue AS c "
        "LEFT JOIN products AS p ON p.product_id = c.product_id "
        f"WHERE c.category <> COALESCE(NULLIF(TRIM(p.category), ''), '{NO_CATEGORY}') "
        "OR c.brand IS DISTINCT FROM p.brand OR c.price IS DISTINCT FROM p.price") or 0)


def refresh_catalogue(engine: Engine) -> int:
    """Move the revenue of every product whose category, brand or list price changed.

    Returns the number of products re-derived (0: the rollups already agree with
    ``products``, and nothing was written).
    """
    with engine.transaction():
        if not changed_products(engine):
            return 0
        run_script(engine, "sql/refresh/revenue_catalogue.sql")
        _reprice_user_days(engine)
        # a new data version: statements compiled against the old catalogue (the top-N
        # cut depends on how many categories and brands there are) are compiled again
        # (shoplens.insights.compile.cache)
        engine.execute("UPDATE rollup_state SET built_at = :at",
                       {"at": datetime.now(UTC).replace(tzinfo=None)})
        return int(engine.scalar("SELECT COUNT(*) FROM rollup_revenue_changed") or 0)


def _reprice_user_days(engine: Engine) -> None:
    """A list price changed: the user-days' revenue of the days its product was bought or
    refunded without an event price is derived again (from those days' events)."""
    lo, hi = engine.fetch_all(
        "SELECT MIN(r.period), MAX(r.period) FROM rollup_revenue_product AS r "
        "JOIN rollup_revenue_changed AS x ON x.product_id = r.product_id "
        "WHERE x.price_changed AND r.grain = 'day' "
        "AND (r.unpriced_units > 0 OR r.unpriced_refund_units > 0)")[0]
    if lo is None or hi is None:
        return
    lo, hi = _as_date(lo), _as_date(hi)
    run_script(engine, "sql/refresh/user_day.sql",
               {"day_lo": lo, "day_hi": hi + timedelta(days=1)})


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
