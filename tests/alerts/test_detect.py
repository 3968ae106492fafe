"""The detector on synthetic series: what it flags, what it leaves alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.alerts.detect import DetectOptions, detect_series

from .synthetic import START, WEEK, series

OPTS = DetectOptions()


def flagged(frame: pd.DataFrame) -> dict[int, str]:
    return {int((d - START).days): k for d, k in frame["kind"].dropna().items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_drop_and_a_spike_are_found_and_a_clean_series_stays_quiet(seed: int) -> None:
    y = series(seed=seed, multipliers={80: 0.5, 110: 1.8})
    res = detect_series(y, START + pd.Timedelta(days=56), OPTS)
    found = flagged(res.frame)
    assert found.get(80) == "drop"
    assert found.get(110) == "spike"
    assert len(found) <= 3  # a false alert or two at most in 84 days
    quiet = detect_series(series(seed=seed), START + pd.Timedelta(days=56), OPTS)
    assert len(flagged(quiet.frame)) <= 1


def test_interval_contains_the_expected_value_and_the_drop_is_below_it() -> None:
    y = series(multipliers={90: 0.4})
    f = detect_series(y, START + pd.Timedelta(days=60), OPTS).frame
    assert (f["lower"] <= f["expected"]).all() and (f["expected"] <= f["upper"]).all()
    row = f.loc[START + pd.Timedelta(days=90)]
    assert row["actual"] < row["lower"]
    assert row["deviation"] == pytest.approx(row["actual"] / row["expected"] - 1)
    assert -0.7 < row["deviation"] < -0.45


def test_masking_keeps_an_anomaly_out_of_the_next_weeks_expectations() -> None:
    """A spike on a Saturday must not raise the expected value of the next Saturdays."""
    base = series(seed=5)
    spiked = series(seed=5, multipliers={68: 3.0, 69: 3.0})
    start = START + pd.Timedelta(days=56)
    a = detect_series(base, start, OPTS).frame
    b = detect_series(spiked, start, OPTS).frame
    later = a.index >= START + pd.Timedelta(days=74)
    assert np.allclose(a.loc[later, "expected"], b.loc[later, "expected"], rtol=0.05)


@pytest.mark.parametrize(("seed", "rate", "span"), [(1, 0.02, 20), (1, 0.0125, 28),
                                                  (2, 0.012, 25), (3, 0.0125, 28)])
def test_a_slow_drift_is_flagged_and_its_end_is_not_a_spike(seed: int, rate: float,
                                                            span: int) -> None:
    # down by `rate` a day (to -35..-40 %), held until day 98, then back at once
    mult = {d: 1 - rate * min(d - 70, span) for d in range(70, 98)}
    f = detect_series(series(seed=seed, multipliers=mult), START + pd.Timedelta(days=56),
                      OPTS).frame
    kinds = flagged(f)
    assert sum(70 <= d < 98 for d in kinds) >= 2
    assert not [d for d in kinds if d < 70]
    # the return to the old level is the change's end, not a run of spikes (the model
    # followed the drift before its first flagged day: its change began where the
    # one-sided run of errors began)
    assert not [d for d in kinds if d >= 98]


def test_a_slow_drift_inside_the_intervals_is_reported_as_drift() -> None:
    mult = {d: 1 - 0.012 * min(d - 70, 25) for d in range(70, 98)}
    f = detect_series(series(seed=2, multipliers=mult), START + pd.Timedelta(days=56),
                      OPTS).frame
    kinds = flagged(f)
    assert set(kinds.values()) == {"drift"}
    assert all(70 <= d < 98 for d in kinds)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_an_outage_the_level_it_comes_back_to_is_re_anchored(seed: int) -> None:
    """An outage of ten days (-50 %) while the shop grows; it comes back 30 % above the
    level before it: that return alerts once or twice at most (it is off the old level
    too), then the model reads the new level from the days after the shift."""
    mult = {d: 0.5 for d in range(80, 90)} | {d: 1.3 for d in range(90, 140)}
    f = detect_series(series(seed=seed, multipliers=mult), START + pd.Timedelta(days=56),
                      OPTS).frame
    kinds = flagged(f)
    assert sum(kinds.get(d) == "drop" for d in range(80, 90)) >= 4
    after = [d for d in kinds if d >= 90]
    assert len(after) <= 2 and all(d < 95 for d in after), kinds


def test_declared_days_never_alert_and_gaps_are_not_drops() -> None:
    y = series(multipliers={84: 2.5, 91: 0.3})
    y.iloc[100] = np.nan  # no data that day
    declared = pd.Series(None, index=y.index, dtype=object)
    declared.iloc[84] = "Sale"
    missing = pd.Series(False, index=y.index)
    missing.iloc[100] = True
    f = detect_series(y, START + pd.Timedelta(days=56), OPTS, declared=declared,
                      missing=missing).frame
    kinds = flagged(f)
    assert 84 not in kinds and kinds.get(91) == "drop" and 100 not in kinds
    assert f.iloc[100 - 56]["missing"] and np.isnan(f.iloc[100 - 56]["actual"])
    assert f.iloc[84 - 56]["declared"] == "Sale"


def test_short_history_falls_back_to_the_median_and_says_so() -> None:
    y = series(days=20)
    res = detect_series(y, START + pd.Timedelta(days=10), OPTS)
    assert res.model == "median of 7 days"
    assert any("weekly season needs 28" in n for n in res.notes)


def test_higher_sensitivity_flags_at_least_as_much() -> None:
    y = series(seed=9, multipliers={75: 0.7, 90: 1.35, 100: 0.6})
    start = START + pd.Timedelta(days=56)
    low = detect_series(y, start, DetectOptions(z=4.0, min_deviation=0.25, cusum_h=10)).frame
    high = detect_series(y, start, DetectOptions(z=2.6, min_deviation=0.10, cusum_h=6)).frame
    assert set(flagged(low)) <= set(flagged(high))
    assert 100 in flagged(high)


def test_the_return_to_normal_after_an_accepted_change_is_not_a_spike() -> None:
    """Two weeks at half the level (accepted as the new normal after a few days), then
    back: the return is recognized as the old level, so the days after stay quiet."""
    y = series(days=168, seed=4, multipliers={d: 0.5 for d in range(84, 98)})
    res = detect_series(y, START + pd.Timedelta(days=56), OPTS)
    kinds = flagged(res.frame)
    assert [kinds.get(d) for d in range(84, 88)] == ["drop"] * 4
    assert not [d for d, k in kinds.items() if d >= 98], kinds
    assert any("back at the level before the change" in n for n in res.notes)


def test_a_level_shift_is_read_from_the_days_after_it() -> None:
    """The model's trend steps at a given shift: two days after a +50 % level change
    its forecast is at the new level; without the step the local line is still half-way."""
    from shoplens.alerts.model import SeasonalForecaster

    y = series(multipliers={d: 1.5 for d in range(100, 140)})
    z = np.log(y.to_numpy() + 1.0)
    truth = np.log(400 * 1.5 * 1.2 * WEEK[102 % 7])
    stepped = SeasonalForecaster().fit(z[:102], shifts=[100])
    plain = SeasonalForecaster().fit(z[:102])
    assert stepped.anchor_days_ == 2 and plain.anchor_days_ is None
    assert abs(stepped.predict(1).mean[0] - truth) < 0.1
    assert plain.predict(1).mean[0] < truth - 0.15


@pytest.mark.parametrize(("seed", "outage"), [(1, 88), (1, 90), (3, 88), (3, 90)])
def test_an_outage_at_the_old_level_after_a_rise_is_an_anomaly_not_the_rise_ending(
        seed: int, outage: int) -> None:
    """The shop rises 30 % (accepted as the new level), then one day falls back to about
    the old level: it looks like the end of the rise, but the next day is up again, so
    that day is an anomaly of its own (reported a day late), and the days after it do
    not alert as spikes (they are the rise going on)."""
    mult = {d: 1.3 for d in range(80, 140)} | {outage: 0.97}
    f = detect_series(series(seed=seed, multipliers=mult), START + pd.Timedelta(days=56),
                      OPTS).frame
    kinds = flagged(f)
    assert kinds.get(outage) == "drop"
    assert not [d for d in kinds if d > outage], kinds
