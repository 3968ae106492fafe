"""The report's own arithmetic: weighted averages, readings and number formats."""

from __future__ import annotations

import pytest

from shoplens.report import format as fmt
from shoplens.report import readings
from shoplens.report.collectors.cohorts import weighted_average
from shoplens.report.model import (
    BenchmarkSection,
    BenchRow,
    CohortRow,
    CohortSection,
    FunnelSection,
    FunnelStep,
)


def test_weighted_average_leaves_censored_cells_out() -> None:
    rows = [CohortRow(cohort="2024-01", size=100, values=[1.0, 0.5, 0.2]),
            CohortRow(cohort="2024-02", size=300, values=[1.0, 0.1, None]),
            CohortRow(cohort="2024-03", size=50, values=[1.0, None, None])]
    avg = weighted_average(rows)
    assert avg[0] == pytest.approx(1.0)
    assert avg[1] == pytest.approx((100 * 0.5 + 300 * 0.1) / 400)
    # only the first cohort can observe offset 2: its value, not dragged towards 0
    assert avg[2] == pytest.approx(0.2)


def test_weighted_average_of_an_unobservable_offset_is_none() -> None:
    rows = [CohortRow(cohort="a", size=10, values=[1.0, None]),
            CohortRow(cohort="b", size=0, values=[None, None])]
    assert weighted_average(rows) == [1.0, None]
    assert weighted_average([]) == []


def test_a_real_zero_is_kept_apart_from_censored() -> None:
    rows = [CohortRow(cohort="a", size=10, values=[1.0, 0.0]),
            CohortRow(cohort="b", size=10, values=[1.0, None])]
    assert weighted_average(rows) == [1.0, 0.0]


def test_missing_values_never_print_as_zero() -> None:
    assert fmt.pct(None) == "–"
    assert fmt.pct(float("nan")) == "–"
    assert fmt.pct(0.0) == "0.0%"
    assert fmt.num(1_234_567) == "1.23M"
    assert fmt.num(12_345) == "12,345"
    assert fmt.short_label("2024-03-01") == "2024-03-01"
    assert fmt.short_label("2024-03-01", month=True) == "2024-03"
    assert fmt.short_label("2024-W05") == "2024-W05"


def test_readings_come_from_the_numbers() -> None:
    f = FunnelSection(basis="sessions", steps=[
        FunnelStep(stage="view", count=1000, from_previous=None, from_first=1.0),
        FunnelStep(stage="cart", count=100, from_previous=0.1, from_first=0.1),
        FunnelStep(stage="purchase", count=50, from_previous=0.5, from_first=0.05)])
    text = readings.funnel(f)["funnel"]
    assert "5.0% of sessions" in text
    assert "view → cart" in text and "10.0%" in text

    b = BenchmarkSection(rows=[
        BenchRow(metric="wau", engine="duckdb", naive_ms=100, optimized_ms=2, speedup=50,
                 rows_equal=True),
        BenchRow(metric="revenue", engine="duckdb", naive_ms=30, optimized_ms=5, speedup=6,
                 rows_equal=False)])
    text = readings.benchmark(b)["benchmark"]
    assert "2 of 2 optimized forms ran 6.0× (revenue) to 50.0× (wau) faster" in text
    assert "WARNING: results differ for revenue" in text

    # an "optimization" that is slower is never called faster
    b.rows.append(BenchRow(metric="top_brands", engine="duckdb", naive_ms=27, optimized_ms=39,
                           speedup=0.7, rows_equal=True))
    text = readings.benchmark(b)["benchmark"]
    assert "2 of 3 optimized forms ran 6.0× (revenue) to 50.0× (wau) faster" in text
    assert "slower at this data size: top_brands (0.7×, 27.0 ms → 39.0 ms)" in text

    rows = [CohortRow(cohort="2024-01", size=10, values=[1.0, 0.3, 0.1]),
            CohortRow(cohort="2024-02", size=30, values=[1.0, 0.5, None])]
    c = CohortSection(cohort_by="signup", offset_unit="week", cohorts=rows,
                      average=weighted_average(rows))
    got = readings.cohorts(c)
    assert "W1 retention ranges 30.0%–50.0% (best 2024-02)" in got["cohort_heatmap"]
    assert "1 cells are blank" in got["cohort_heatmap"]
    assert "45.0% of a cohort is back at W1" in got["cohort_curves"]
    assert "10.0% at W2 (the latter from the 1 cohorts" in got["cohort_curves"]
