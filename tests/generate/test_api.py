"""The Python API: parameters, progress, the in-memory tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from pydantic import ValidationError

from shoplens.generate import GenerateParams, generate, generate_tables


def test_progress_reports_advance_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    import shoplens.generate.generator as generator

    monkeypatch.setattr(generator, "CHUNK_USERS", 100)  # three chunks of a small shop
    seen: list[tuple[str, float]] = []
    generate(GenerateParams(users=250, months=2, seed=1), tmp_path,
             progress=lambda desc, frac: seen.append((desc, frac)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    descriptions = {d for d, _ in seen}
    assert {"sessions and events 1/3", "sessions and events 3/3", "writing events"} <= descriptions


def test_in_memory_tables_are_typed() -> None:
    shop = generate_tables(GenerateParams(users=200, months=2, seed=4))
    assert shop.users.schema == pa.schema([("user_id", pa.int64()), ("signup_date", pa.date32()),
                                           ("country", pa.string())])
    assert shop.products.schema.field("price").type == pa.decimal128(12, 2)
    assert shop.events.schema.field("timestamp").type == pa.timestamp("s")
    assert shop.search_logs.schema.field("clicked_product_ids").type == pa.list_(pa.int64())
    assert (shop.start, shop.end) == (date(2024, 1, 1), date(2024, 3, 1))
    assert sum(shop.event_counts().values()) == shop.events.num_rows
    assert sum(shop.persona_counts().values()) == 200


def test_period_can_start_anywhere_and_run_past_a_year() -> None:
    shop = generate_tables(GenerateParams(users=300, months=18, seed=5, start=date(2022, 7, 15)))
    assert (shop.start, shop.end) == (date(2022, 7, 15), date(2024, 1, 15))
    ts = shop.events.column("timestamp")
    assert pa.compute.min(ts).as_py().date() >= date(2022, 7, 15)
    assert pa.compute.max(ts).as_py().date() < date(2024, 1, 15)


@pytest.mark.parametrize("bad", [{"users": 0}, {"months": 0}, {"months": 121}, {"seed": -1},
                                 {"events": 10}, {"products": 5}, {"colour": "red"}])
def test_bad_parameters_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        GenerateParams(**bad)


def test_catalogue_scales_with_users() -> None:
    assert GenerateParams().catalog_size(20_000) == 5_000
    assert GenerateParams().catalog_size(100) == 2_000
    assert GenerateParams().catalog_size(10_000_000) == 50_000
    assert GenerateParams(products=777).catalog_size(20_000) == 777
