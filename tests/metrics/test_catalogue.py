"""Catalogue changes move revenue in the rollups: literal cases, bad input, and a
hypothesis walk interleaving loads and catalogue changes (naive == optimized after each
step), on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.ingest.hooks import LoadScope, run_post_load
from shoplens.metrics import MetricsParams, compute_metrics, rollups
from shoplens.metrics.catalogue import ProductChange, rename_brand, update_catalogue
from shoplens.metrics.revenue import revenue

from .shop import PRODUCTS, events
from .test_rollups import load_part

REVENUE = ("revenue_by_category", "aov", "top_products", "top_categories", "top_brands")


def categories(engine: Engine, **kw) -> dict[str, Decimal]:
    r = compute_metrics(engine, MetricsParams(**kw))
    return {c.category: c.revenue for c in r.top_categories}


def same_both_forms(engine: Engine, first: date, last: date) -> None:
    """The revenue metrics' queries give the same rows raw and from the planner."""
    rollups.ensure_fresh(engine)
    for grain in ("day", "week", "month"):
        values = {"roll_first": first, "roll_last": last, "grain": grain, "top_n": 4}
        naive, optimized = revenue(engine, values, "naive"), revenue(engine, values, "optimized")
        for name in REVENUE:
            assert naive[name] == optimized[name], (name, grain, first, last)


def test_move_rename_reprice_and_bad_input(engine: Engine) -> None:
    engine.append_df("products", PRODUCTS)
    load_part(engine, events(), 1)
    assert categories(engine) == {"electronics.smartphone": Decimal("100.30"),
                                  "apparel.shoes": Decimal("34.99"),
                                  "(no category)": Decimal("0")}
    # p1 moves to audio; its revenue (2 units bought at list price, 1 refunded) follows
    rep = update_catalogue(engine, [ProductChange(product_id="p1", category="audio")])
    assert (rep.changed, rep.unchanged, rep.added, rep.rederived) == (1, 0, [], 1)
    assert categories(engine)["audio"] == Decimal("100.00")
    assert categories(engine)["electronics.smartphone"] == Decimal("0.30")
    # a list price changed after the fact re-prices the units bought without a price
    update_catalogue(engine, [ProductChange(product_id="p1", price=Decimal("80"))])
    assert categories(engine)["audio"] == Decimal("80.00")
    # a brand renamed
    rep = rename_brand(engine, "apple", "Apple Inc.")
    assert rep.changed == 1
    brands = {b.brand: b.revenue for b in compute_metrics(engine, MetricsParams()).top_brands}
    assert brands["Apple Inc."] == Decimal("80.00") and "apple" not in brands
    # an unknown product (p9 has events) is added; a blank category means no category
    rep = update_catalogue(engine, [
        ProductChange(product_id="p9", category="garden", price=Decimal("5")),
        ProductChange(product_id="p2", category="  "),
        ProductChange(product_id="p3", brand="samsung")])  # already so
    assert rep.added == ["p9"] and rep.no_category == ["p2"] and rep.unchanged == 1
    assert any("were not in the catalogue and were added: p9" in m for m in rep.messages)
    assert any("no category" in m and "p2" in m for m in rep.messages)
    cats = categories(engine)
    assert cats["garden"] == Decimal("5") and cats["(no category)"] == Decimal("34.99")
    assert engine.scalar("SELECT category FROM products WHERE product_id = 'p2'") is None
    same_both_forms(engine, date(2024, 12, 1), date(2025, 1, 31))
    # an update that changes nothing re-derives nothing
    rep = update_catalogue(engine, [ProductChange(product_id="p3", brand="samsung")])
    assert rep.rederived == 0 and "revenue rollups unchanged" in rep.messages[-1]


def test_catalogue_change_through_a_load_and_a_direct_update(engine: Engine) -> None:
    engine.append_df("products", PRODUCTS)
    load_part(engine, events(), 1)
    # a products file loaded: the load's hook (scope: products only) moves the revenue
    with engine.transaction():
        engine.execute("UPDATE products SET category = 'phones' WHERE product_id = 'p3'")
        run_post_load(engine, LoadScope(load_id=2, tables=frozenset({"products"})))
    assert engine.scalar("SELECT COUNT(*) FROM rollup_revenue_category "
                         "WHERE category = 'phones'") > 0
    # a change written behind ShopLens' back is caught before the next optimized read
    engine.execute("UPDATE products SET brand = 'lg' WHERE product_id = 'p2'")
    r = compute_metrics(engine, MetricsParams())
    assert {b.brand for b in r.top_brands} == {"apple", "lg", "samsung", "(no brand)"}
    same_both_forms(engine, date(2024, 12, 28), date(2025, 1, 6))


# -- hypothesis: loads and catalogue changes interleaved ------------------------------------
START = datetime(2024, 3, 25)
IDS = [f"p{i}" for i in range(8)]  # p6, p7 start outside the catalogue
CATS = ["a", "b.c", "d", None, ""]
BRANDS = ["x", "y", None]


def catalogue() -> pd.DataFrame:
    return pd.DataFrame({"product_id": IDS[:6], "category": ["a", "a", "b.c", "d", None, "b.c"],
                         "price": [Decimal(p) for p in ("10", "2.5", "99.99", "1", "7", "3")],
                         "brand": ["x", "y", "x", None, "y", "x"],
                         "name": IDS[:6]})


def random_events(seed: int, first_id: int, n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day0 = int(rng.integers(0, 100))  # March 25 to July 8: the whole second quarter
    kinds = rng.choice(["purchase", "purchase", "refund", "view"], n)
    priced = rng.random(n) < 0.3
    return pd.DataFrame({
        "event_id": range(first_id, first_id + n),
        "user_id": [f"u{i}" for i in rng.integers(0, 6, n)],
        "session_id": [f"s{i}" for i in rng.integers(0, 10, n)],
        "event_type": kinds, "raw_event": kinds,
        "product_id": [IDS[i] for i in rng.integers(0, len(IDS), n)],
        "price": [Decimal(f"{rng.integers(1, 500) / 10:.2f}") if p else None for p in priced],
        "quantity": rng.integers(1, 4, n).astype("int32"),
        "event_time": [START + timedelta(days=day0 + int(d), seconds=int(s)) for d, s in
                       zip(rng.integers(0, 5, n), rng.integers(0, 86400, n), strict=True)],
        "load_id": 0,
    })


def _change(pid: str, field: str, cat: str | None, brand: str | None,
            price: int | None) -> ProductChange:
    value = {"category": cat, "brand": brand,
             "price": None if price is None else Decimal(price) / 4}[field]
    return ProductChange(product_id=pid, **{field: value})


change = st.builds(_change, st.sampled_from(IDS), st.sampled_from(["category", "brand", "price"]),
                   st.sampled_from(CATS), st.sampled_from(BRANDS),
                   st.one_of(st.none(), st.integers(0, 400)))
step = st.one_of(st.integers(0, 10_000).map(lambda s: ("load", s)),
                 st.lists(change, min_size=1, max_size=3,
                          unique_by=lambda c: c.product_id).map(lambda cs: ("catalogue", cs)))


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=3))
def test_loads_and_catalogue_changes_interleaved(engine: Engine, steps: list) -> None:
    with engine.transaction():
        rollups.ensure(engine)
        for table in ("events", "products", "rollup_state", *rollups.ROLLUP_TABLES):
            engine.execute(f"DELETE FROM {table}")
        engine.append_df("products", catalogue())
    next_id = 1
    for i, (kind, arg) in enumerate(steps):
        if kind == "load":
            frame = random_events(arg, next_id)
            next_id += len(frame)
            with engine.transaction():  # a load, with the metrics' own post-load hook
                engine.append_df("events", frame.assign(load_id=i + 1))
                rollups.refresh_after_load(engine, LoadScope(
                    load_id=i + 1, tables=frozenset({"events"}),
                    min_time=frame["event_time"].min(), max_time=frame["event_time"].max()))
        else:
            update_catalogue(engine, arg)
        rollups.ensure_fresh(engine)
        # the whole second quarter (its quarter rows) and March's days around it
        same_both_forms(engine, START.date(), START.date() + timedelta(days=105))
    # a range that starts and ends inside months (day rows around a whole month)
    same_both_forms(engine, START.date() + timedelta(days=3), START.date() + timedelta(days=40))
    # whole months around a whole quarter
    same_both_forms(engine, date(2024, 3, 1), date(2024, 8, 31))


def test_cli_update_and_rename(db_url: str, cli, tmp_path) -> None:
    from shoplens.engines import connect

    with connect(db_url) as engine:
        engine.append_df("products", PRODUCTS)
        load_part(engine, events(), 1)
    path = tmp_path / "changes.csv"
    path.write_text("product_id,category\np1,audio\np9,\n", encoding="utf-8")
    res = cli("catalogue", "update", str(path), "--db", db_url)
    assert res.exit_code == 0, res.output
    assert "1 product(s) were not in the catalogue and were added: p9" in res.stdout
    assert "now have no category" in res.stdout
    res = cli("catalogue", "rename-brand", "apple", "Apple", "--json", "--db", db_url)
    assert res.exit_code == 0 and '"changed": 1' in res.stdout
    doc = cli("metrics", "--json", "--db", db_url).stdout
    assert '"category": "audio"' in doc and '"brand": "Apple"' in doc
    # bad input: one error line naming the file, line and field; nothing written
    path.write_text("product_id,price\np1,-3\n", encoding="utf-8")
    res = cli("catalogue", "update", str(path), "--db", db_url)
    assert res.exit_code == 2 and "line 2" in res.output and "price" in res.output
    assert "Traceback" not in res.output
    path.write_text("product_id,colour\np1,red\n", encoding="utf-8")
    res = cli("catalogue", "update", str(path), "--db", db_url)
    assert res.exit_code == 2 and "colour" in res.output
