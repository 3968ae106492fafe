"""Returns from a change: is a day back at the level from before an outage or a drift?

A change the detector reported (an accepted level, a drift the model followed) ends when
the series comes back; that day is flagged against the change's side by a model that
followed the change. Whether it is a return is judged against a model fitted on the days
before the change: between that level carried flat and carried on with its trend, or past
it the way the trend was going (a growing shop after an outage: back, and more).
"""

from __future__ import annotations

import numpy as np

from shoplens.alerts.model import MIN_DAYS, PHI, SeasonalForecaster

#: days after a change's last flagged day during which a move back is a return
RETURN_DAYS = 10
#: widest span of a change a return is looked for (older levels are forgotten)
RETURN_SPAN = 42
#: verdicts of :func:`returns_to`
NOT_BACK, BACK, BACK_PAST = 0, 1, 2


def carried_level(model: SeasonalForecaster, horizon: int) -> np.ndarray:
    """The fitted level carried flat, plus the season, ``horizon`` days ahead."""
    fc = model.predict(horizon)
    k = np.arange(1, horizon + 1)
    return fc.mean - model.slope_ * np.cumsum(PHI ** k)


def returns_to(change: tuple[int, int, int], i: int, zi: float, z: np.ndarray,
               clean: np.ndarray, sigma: float, zmax: float, yearly: bool,
               shifts: list[int]) -> int:
    """Whether day ``i``, flagged against the change's side, is back at the level the
    series had before the change began: between that level carried flat and carried on
    with its slope (a model fitted on the days before the change; :data:`BACK`), or past
    it, further from the change and the way that level was going (:data:`BACK_PAST`).

    ``change`` is (side, first day, last flagged day); ``shifts`` the level shifts so far.
    """
    side, start, last = change
    if zi * side >= 0 or i - last > RETURN_DAYS or i - start > RETURN_SPAN \
            or start < MIN_DAYS:
        return NOT_BACK
    ref = SeasonalForecaster(yearly=yearly).fit(clean[:start],
                                                shifts=[k for k in shifts if k < start])
    flat = carried_level(ref, i - start + 1)[-1]
    trend = ref.predict(i - start + 1).mean[-1]
    # between the level carried flat and the level's trend carried on
    if min(flat, trend) - zmax * sigma <= z[i] <= max(flat, trend) + zmax * sigma:
        return BACK
    # past it, further from the change and the way the level was going (the shop grew
    # meanwhile): back, and more
    up = z[i] > flat
    return BACK_PAST if (z[i] - flat) * side < 0 and (ref.slope_ > 0) == up else NOT_BACK


__all__ = ["BACK", "BACK_PAST", "NOT_BACK", "RETURN_DAYS", "RETURN_SPAN", "carried_level",
           "returns_to"]
