"""``--events N``: the number of users is chosen so that the total lands near N."""

from __future__ import annotations

import pytest

from shoplens.generate import GenerateParams, generate_tables, users_for_events


@pytest.mark.parametrize(("events", "months", "seed"), [
    (50_000, 12, 1), (200_000, 12, 2), (100_000, 3, 3), (150_000, 24, 4),
])
def test_events_target_is_hit_within_ten_percent(events: int, months: int, seed: int) -> None:
    params = GenerateParams(events=events, months=months, seed=seed)
    data = generate_tables(params)
    assert 0.9 * events <= data.events.num_rows <= 1.1 * events
    assert data.users.num_rows == users_for_events(params)


def test_events_target_overrides_users() -> None:
    a = users_for_events(GenerateParams(events=100_000, users=5))
    b = users_for_events(GenerateParams(events=200_000, users=5))
    assert 1.7 < b / a < 2.3


def test_shorter_periods_need_more_users() -> None:
    year = users_for_events(GenerateParams(events=100_000, months=12))
    quarter = users_for_events(GenerateParams(events=100_000, months=3))
    assert quarter > 1.5 * year
