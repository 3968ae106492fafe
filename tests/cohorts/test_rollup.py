"""The cohort rollup stays equal to grouping ``events`` by user and day: through loads
(the post-load hook, incrementally) and through writes that bypass the importer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shoplens.cohorts import CohortParams, compute_cohorts
from shoplens.engines import Engine
from shoplens.metrics import rollups

from .reference import load

DIRECT = """
SELECT user_id, CAST(event_time AS DATE) AS day, COUNT(*) AS events,
       SUM(CASE WHEN event_type IS NULL OR event_type <> 'refund' THEN 1 ELSE 0 END) AS active,
       SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases
FROM events GROUP BY 1, 2 ORDER BY 1, 2
"""
ROLLUP = """
SELECT user_id, day, events, active_events, purchases FROM rollup_user_day ORDER BY 1, 2
"""


def _rows(engine: Engine, sql: str) -> list[tuple]:
    return [(u, str(d)[:10], int(a), int(b), int(c)) for u, d, a, b, c in engine.fetch_all(sql)]


def _write_shop(folder: Path, events: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.csv").write_text(
        "user_id,signup_date,country\n1,2024-01-01,FR\n2,2024-01-15,DE\n3,2024-02-01,US\n")
    (folder / "products.csv").write_text(
        "product_id,category,price,brand,name\n10,electronics.smartphone,100.00,acme,phone\n")
    (folder / "events.csv").write_text(
        "user_id,event_type,product_id,timestamp\n" + "\n".join(events) + "\n")
    return folder


def test_loads_keep_the_rollup_current_without_a_rebuild(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shoplens.ingest import load as ingest

    ingest(engine, [_write_shop(tmp_path / "a", [
        "1,viewed,10,2024-01-01 10:00:00", "1,purchased,10,2024-01-09 10:00:00",
        "2,viewed,10,2024-01-15 09:00:00", "2,add-to-cart,10,2024-01-15 09:05:00",
    ])])
    assert _rows(engine, ROLLUP) == _rows(engine, DIRECT)
    ingest(engine, [_write_shop(tmp_path / "b", [
        "1,viewed,10,2024-01-09 11:00:00", "3,viewed,10,2024-02-01 08:00:00",
        "2,purchased,10,2024-02-05 12:00:00",
    ])])
    assert _rows(engine, ROLLUP) == _rows(engine, DIRECT)
    assert len(_rows(engine, ROLLUP)) == 5

    def no_rebuild(_engine: Engine) -> None:
        raise AssertionError("the hook should have kept the rollup current")

    monkeypatch.setattr(rollups, "rebuild", no_rebuild)
    result = compute_cohorts(engine, CohortParams(period="month", offset_unit="week",
                                                  periods=2, observed_until=date(2024, 2, 11)))
    assert [(r.label, r.size, r.values) for r in result.rows] == [
        ("2024-01", 2, [1.0, 0.5]), ("2024-02", 1, [1.0, 0.0])]


def _views(*stamps: str) -> list[dict]:
    return [{"user_id": "a", "event_type": "view", "product_id": "p", "event_time": ts}
            for ts in stamps]


def test_writes_outside_loads_are_noticed(engine: Engine) -> None:
    users = [{"user_id": "a", "signup_date": "2024-03-04"}]
    load(engine, users=users, events=_views("2024-03-04 10:00", "2024-03-05 10:00",
                                            "2024-03-24 10:00"))
    params = CohortParams(period="week", periods=3)
    assert compute_cohorts(engine, params).rows[0].values == [1.0, 0.0, 1.0]
    # same number of events, same first and last time: only the ids tell
    load(engine, users=users, events=_views("2024-03-04 10:00", "2024-03-11 10:00",
                                            "2024-03-24 10:00"))
    assert compute_cohorts(engine, params).rows[0].values == [1.0, 1.0, 1.0]
    assert _rows(engine, ROLLUP) == _rows(engine, DIRECT)


def test_a_new_list_price_reaches_revenue(engine: Engine) -> None:
    load(engine, products=[{"product_id": "p", "category": "c", "price": 10}],
         events=[{"user_id": "a", "event_type": "purchase", "product_id": "p",
                  "event_time": "2024-01-10 10:00", "price": None, "quantity": 3}])
    params = CohortParams(cohort_by="first_purchase", period="day", offset_unit="day",
                          periods=1, measure="revenue", kind="cumulative")
    assert compute_cohorts(engine, params).rows[0].values == [30.0]
    engine.execute("UPDATE products SET price = :p WHERE product_id = 'p'", {"p": 12.5})
    assert compute_cohorts(engine, params).rows[0].values == [37.5]
