"""Bad input gets one clear ``error:`` line and exit code 2, never a NaN or a made-up CLV,
and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from shoplens.engines import connect
from tests.clv.data import load_cdnow, purchase_events


def _shop(tmp_path: Path, rows: list[tuple[str, str, float | None]]) -> str:
    url = f"duckdb:{tmp_path / 'shop.duckdb'}"
    with connect(url) as engine:
        if rows:
            engine.append_df("events", purchase_events(rows))
    return url


def _error(res: object) -> str:
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    return lines[0]


def _no_table(url: str) -> None:
    with connect(url) as engine:
        assert not engine.table_exists("customer_value")


def test_empty_database(cli, tmp_path: Path) -> None:
    url = _shop(tmp_path, [])
    assert "no purchase events" in _error(cli("clv", "--db", url))


def test_no_repeat_purchases(cli, tmp_path: Path) -> None:
    start = date(2024, 1, 1)
    url = _shop(tmp_path, [(f"u{i}", f"{start + timedelta(days=3 * i)} 10:00", 10.0 + i)
                           for i in range(60)])
    msg = _error(cli("clv", "--db", url))
    assert "none of the 60 customers bought again" in msg and "--calibration-end" in msg
    _no_table(url)


def test_too_few_customers(cli, tmp_path: Path) -> None:
    rows = [(f"u{i}", f"2024-0{m}-0{i + 1} 10:00", 20.0) for i in range(5) for m in (1, 2, 3)]
    url = _shop(tmp_path, rows)
    assert "only 5 customers" in _error(cli("clv", "--db", url, "--horizon", "30d"))
    _no_table(url)


def test_fit_that_does_not_converge(cli, tmp_path: Path) -> None:
    """40 customers who all buy every Monday for ten weeks: nobody drops out and rates do
    not vary, so BG/NBD's parameters run off to infinity."""
    monday = date(2024, 1, 1)
    rows = [(f"u{i}", f"{monday + timedelta(weeks=w)} 10:00", 20.0) for i in range(40) for w in range(10)]
    url = _shop(tmp_path, rows)
    msg = _error(cli("clv", "--db", url, "--horizon", "60d"))
    assert "did not converge" in msg and "BG/NBD" in msg
    _no_table(url)


@pytest.mark.parametrize(("args", "expected"), [
    (["--time-unit", "month"], "invalid --time-unit"),
    (["--horizon", "90x"], "invalid --horizon: horizon '90x' is not a duration"),
    (["--horizon", "5d"], "shorter than the one-month step"),
    (["--model", "gamma"], "invalid --model"),
    (["--calibration-end", "1997-13-01"], "--calibration-end '1997-13-01' is not a date"),
    (["--calibration-end", "1998-01-01", "--holdout-end", "1997-12-01"], "must be before"),
    (["--discount-rate", "-1"], "invalid --discount-rate"),
])
def test_bad_options(cli, tmp_path: Path, args: list[str], expected: str) -> None:
    url = _shop(tmp_path, [("u", "2024-01-01 10:00", 1.0)])
    assert expected in _error(cli("clv", "--db", url, *args))


def test_calibration_end_outside_the_data(cli, db_url: str) -> None:
    with connect(db_url) as engine:
        load_cdnow(engine)
    msg = _error(cli("clv", "--db", db_url, "--calibration-end", "2001-01-01"))
    assert "--calibration-end 2001-01-01 is outside the data" in msg
    assert "1997-01-01 to 1998-06-30" in msg
    msg = _error(cli("clv", "--db", db_url, "--holdout-end", "1996-12-31"))
    assert "--holdout-end 1996-12-31 is outside the data" in msg
    _no_table(db_url)
