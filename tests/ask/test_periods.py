"""Period words read as dates, counted back from the last day with data."""

from __future__ import annotations

from datetime import date

import pytest

from shoplens.ask.periods import black_friday, find_periods

ANCHOR = date(2024, 12, 31)

CASES = [
    ("How many people bought last month?", [("2024-11-01", "2024-11-30")]),
    ("revenue in Q3 compared to Q2", [("2024-07-01", "2024-09-30"), ("2024-04-01", "2024-06-30")]),
    ("added to cart in May came back in June", [("2024-05-01", "2024-05-31"),
                                                ("2024-06-01", "2024-06-30")]),
    ("revenue since Black Friday", [("2024-11-29", "2024-12-31")]),
    ("orders the week of 4 March", [("2024-03-04", "2024-03-10")]),
    ("sales between 1 May and 12 June", [("2024-05-01", "2024-06-12")]),
    ("buyers in the last 30 days", [("2024-12-02", "2024-12-31")]),
    ("buyers in the past 3 months", [("2024-10-01", "2024-12-31")]),
    ("revenue in 2023", [("2023-01-01", "2023-12-31")]),
    ("views on 2024-06-12", [("2024-06-12", "2024-06-12")]),
    ("purchases on June 12th, 2024", [("2024-06-12", "2024-06-12")]),
    ("revenue this quarter", [("2024-10-01", "2024-12-31")]),
    ("third quarter of 2023 revenue", [("2023-07-01", "2023-09-30")]),
    ("dau last week", [("2024-12-23", "2024-12-29")]),
    ("What was revenue yesterday?", [("2024-12-30", "2024-12-30")]),
    ("market share in march", [("2024-03-01", "2024-03-31")]),  # 'market' is not March
    ("revenue last year", [("2023-01-01", "2023-12-31")]),
    ("top brands", []),
]


@pytest.mark.parametrize(("question", "expected"), CASES, ids=[c[0] for c in CASES])
def test_periods(question: str, expected: list[tuple[str, str]]) -> None:
    got = [(f.period.start.isoformat(), f.period.end.isoformat())
           for f in find_periods(question, ANCHOR)]
    assert got == expected


def test_months_without_a_year_are_the_latest_that_has_started() -> None:
    (found,) = find_periods("orders in December", date(2024, 6, 30))
    assert found.period.start == date(2023, 12, 1)


def test_declared_days() -> None:
    (found,) = find_periods("revenue since the summer sale", ANCHOR,
                            {"summer sale": date(2024, 7, 1)})
    assert (found.period.start, found.period.end) == (date(2024, 7, 1), ANCHOR)


def test_black_friday() -> None:
    assert black_friday(2024) == date(2024, 11, 29)
    assert black_friday(2023) == date(2023, 11, 24)
