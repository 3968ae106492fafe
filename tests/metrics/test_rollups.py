"""Rollups stay exact under incremental loads: two steps, out of order, a day split in two,
a re-load, a hook without a time span — all equal to one load of everything."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from shoplens.engines import Engine
from shoplens.ingest.hooks import POST_LOAD_HOOKS, LoadScope, run_post_load
from shoplens.metrics import MetricsParams, compute_metrics, rollups

from .shop import PRODUCTS, ROWS, events


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    for table in rollups.ROLLUP_TABLES:
        cols = engine.columns(table)
        order = ", ".join(f"{c} NULLS FIRST" for c in cols)
        out[table] = engine.fetch_all(f"SELECT * FROM {table} ORDER BY {order}")
    return out


def load_part(engine: Engine, frame: pd.DataFrame, load_id: int, *, span: bool = True) -> None:
    """Append events and run the post-load hooks, as a load does, in one transaction."""
    span = span and not frame.empty
    with engine.transaction():
        engine.append_df("events", frame.assign(load_id=load_id))
        scope = LoadScope(
            load_id=load_id, tables=frozenset({"events"}),
            min_time=frame["event_time"].min().to_pydatetime() if span else None,
            max_time=frame["event_time"].max().to_pydatetime() if span else None)
        run_post_load(engine, scope)


def test_hook_is_registered() -> None:
    assert "shoplens.metrics.rollups:refresh_after_load" in POST_LOAD_HOOKS


def test_two_step_load_equals_one_step(db_url: str) -> None:
    from shoplens.engines import connect

    one = connect(db_url)
    try:
        one.append_df("products", PRODUCTS)
        load_part(one, events(), 1)
        expected = snapshot(one)
        assert expected["rollup_user_day"], "rollups were built"
        for table in rollups.ROLLUP_TABLES:
            one.execute(f"DELETE FROM {table}")
        one.execute("DELETE FROM events")
        one.execute("DELETE FROM rollup_state")

        frame = events()
        cut = frame["event_time"] < datetime(2025, 1, 1, 8, 10)  # splits day 2025-01-01
        load_part(one, frame[cut], 1)
        load_part(one, frame[~cut], 2)
        assert snapshot(one) == expected
    finally:
        one.close()


def test_out_of_order_reload_and_unknown_span(engine: Engine) -> None:
    engine.append_df("products", PRODUCTS)
    frame = events()
    late = frame["event_time"] >= datetime(2025, 1, 1)
    # the new year first, then the old year (a backfill), then without a time span
    load_part(engine, frame[late], 1)
    load_part(engine, frame[~late & (frame["event_time"] < datetime(2024, 12, 30))], 2)
    load_part(engine, frame[~late & (frame["event_time"] >= datetime(2024, 12, 30))], 3,
              span=False)
    incremental = snapshot(engine)
    rollups.rebuild(engine)
    assert snapshot(engine) == incremental
    # a load that adds nothing new to the events changes nothing
    load_part(engine, frame.iloc[0:0], 4)
    assert snapshot(engine) == incremental


def test_stale_rollups_are_rebuilt_before_reading(engine: Engine) -> None:
    """Events written without a load (no hook) are still counted by the optimized form."""
    engine.append_df("products", PRODUCTS)
    load_part(engine, events(ROWS[:5]), 1)
    engine.append_df("events", events(ROWS[5:], start_id=50))  # no hook
    optimized = compute_metrics(engine, MetricsParams()).model_dump(exclude={"form"})
    naive = compute_metrics(engine, MetricsParams(form="naive")).model_dump(exclude={"form"})
    assert optimized == naive
    assert optimized["mau"][-1]["users"] == 4


def test_a_load_keeps_the_events_fingerprint_exact(engine: Engine) -> None:
    """A load's fingerprint is the stored one plus its own rows': equal to the whole
    table's after clean loads, still stale after events written behind ShopLens' back
    (the next read rebuilds then, instead of trusting rollups that miss those days)."""
    engine.append_df("products", PRODUCTS)
    load_part(engine, events(ROWS[:4]), 1)
    load_part(engine, events(ROWS[4:6], start_id=40), 2)
    assert rollups.is_fresh(engine)
    assert engine.scalar("SELECT events_fp FROM rollup_state") == rollups.fingerprint(engine)[1]
    engine.append_df("events", events(ROWS[6:7], start_id=60))  # no hook
    load_part(engine, events(ROWS[7:], start_id=70), 3)
    assert not rollups.is_fresh(engine)
    optimized = compute_metrics(engine, MetricsParams()).model_dump(exclude={"form"})
    naive = compute_metrics(engine, MetricsParams(form="naive")).model_dump(exclude={"form"})
    assert optimized == naive
    assert rollups.is_fresh(engine)
