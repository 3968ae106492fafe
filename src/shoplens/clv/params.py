"""The parameters of a customer-value run, validated before any SQL runs."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ModelName = Literal["bgnbd", "pareto-nbd"]
TimeUnit = Literal["day", "week"]
Method = Literal["map", "sample"]

#: days in one time unit
UNIT_DAYS: dict[str, int] = {"day": 1, "week": 7}
#: pymc-marketing's name of each time unit (``customer_lifetime_value(time_unit=...)``)
LIBRARY_UNIT: dict[str, str] = {"day": "D", "week": "W"}
#: days per month in pymc-marketing's CLV sum (it steps month by month: 30 days, 4.345 weeks)
MONTH_DAYS: dict[str, float] = {"day": 30.0, "week": 4.345 * 7}

_HORIZON = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dwmy])\s*$", re.IGNORECASE)
_HORIZON_DAYS = {"d": 1.0, "w": 7.0, "m": 30.0, "y": 365.0}


def parse_horizon(text: str | float | int) -> float:
    """Days in a horizon written ``90d``, ``12w``, ``3m`` (30-day months) or ``1y``.

    A bare number is a number of days.
    """
    if isinstance(text, int | float):
        return float(text)
    m = _HORIZON.match(text)
    if m is None:
        try:
            return float(text)
        except ValueError:
            raise ValueError(
                f"horizon {text!r} is not a duration: write e.g. 90d, 12w, 3m (30-day months) or 1y"
            ) from None
    return float(m.group(1)) * _HORIZON_DAYS[m.group(2).lower()]


class ClvParams(BaseModel):
    """What to fit and predict.

    Parameters
    ----------
    model
        The purchase process: ``bgnbd`` (BG/NBD, Fader, Hardie & Lee 2005) or
        ``pareto-nbd`` (Pareto/NBD, Schmittlein, Morrison & Colombo 1987). Spend per
        purchase is always the Gamma-Gamma model (Fader, Hardie & Lee 2005; Fader &
        Hardie 2013).
    calibration_end
        Last day (inclusive) of the calibration period of the holdout check. Default:
        ``holdout_end`` minus the horizon, if that leaves at least as much calibration
        time as holdout time; else the holdout check is skipped (and says so).
    holdout_end
        Last day (inclusive) of the data used: the end of the holdout period and the
        day the forward-looking predictions start from. Default: the last purchase day.
    time_unit
        ``day`` or ``week``: the unit of recency, T and the fitted rates.
    horizon
        How far ahead expected purchases and CLV look: ``90d``, ``12w``, ``6m``
        (30-day months), ``1y``, or a number of days.
    discount_rate
        Annual discount rate of the CLV (0.1 = 10 % a year); pymc-marketing's CLV
        applies it month by month (converted to ``(1 + rate) ** (1/12) - 1``).
    method
        ``map`` (maximum a posteriori: a fast point estimate, the default) or
        ``sample`` (full posterior sampling with NUTS; slower, gives uncertainty).
    priors
        ``flat`` (HalfFlat priors: MAP is then the maximum-likelihood estimate of the
        literature and of lifetimes) or ``library`` (pymc-marketing's weakly informative
        defaults). Default: ``flat`` for MAP, ``library`` for sampling, whose NUTS runs
        need proper priors.
    risk_threshold
        A customer with P(alive) below this is flagged ``churn_risk``.
    top
        How many at-risk customers the result lists (highest past spend first).
    draws, tune, chains, seed
        Sampling settings for ``method="sample"`` (seeded: the same data and seed give
        the same draws).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    model: ModelName = "bgnbd"
    calibration_end: date | None = None
    holdout_end: date | None = None
    time_unit: TimeUnit = "week"
    horizon_days: float = Field(90.0, gt=0, le=3660, alias="horizon")
    discount_rate: float = Field(0.1, ge=0, le=1)
    method: Method = "map"
    priors: Literal["flat", "library"] | None = None
    risk_threshold: float = Field(0.5, gt=0, lt=1)
    top: int = Field(20, ge=0, le=10_000)
    draws: int = Field(500, ge=10)
    tune: int = Field(500, ge=10)
    chains: int = Field(2, ge=1, le=8)
    seed: int = 0

    @field_validator("horizon_days", mode="before")
    @classmethod
    def _horizon(cls, value: object) -> object:
        if isinstance(value, str | int | float):
            return parse_horizon(value)
        return value

    @field_validator("model", mode="before")
    @classmethod
    def _model_alias(cls, value: object) -> object:
        aliases = {"bg-nbd": "bgnbd", "bg/nbd": "bgnbd", "pareto_nbd": "pareto-nbd",
                   "paretonbd": "pareto-nbd", "pareto/nbd": "pareto-nbd"}
        return aliases.get(str(value).lower(), value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> ClvParams:
        if self.calibration_end and self.holdout_end and self.calibration_end >= self.holdout_end:
            raise ValueError(
                f"calibration_end ({self.calibration_end}) must be before holdout_end "
                f"({self.holdout_end})"
            )
        if self.clv_months < 1:
            raise ValueError(
                f"horizon of {self.horizon_days:g} days is shorter than the one-month step of "
                "the CLV sum: use at least 15d"
            )
        return self

    def merged(self, **overrides: object) -> ClvParams:
        """A validated copy with ``overrides`` (``horizon`` and ``horizon_days`` both
        accepted)."""
        if "horizon" in overrides:
            overrides["horizon_days"] = overrides.pop("horizon")
        return ClvParams.model_validate({**self.model_dump(), **overrides})

    @property
    def unit_days(self) -> int:
        return UNIT_DAYS[self.time_unit]

    @property
    def horizon_units(self) -> float:
        """The horizon in time units."""
        return self.horizon_days / self.unit_days

    @property
    def clv_months(self) -> int:
        """Whole months of pymc-marketing's month-by-month CLV sum (30 days, or 4.345
        weeks, a month), the horizon rounded to the nearest month."""
        return round(self.horizon_days / MONTH_DAYS[self.time_unit])

    @property
    def monthly_discount(self) -> float:
        return (1.0 + self.discount_rate) ** (1.0 / 12.0) - 1.0

    @property
    def prior_kind(self) -> Literal["flat", "library"]:
        if self.priors is not None:
            return self.priors
        return "flat" if self.method == "map" else "library"

    @property
    def model_label(self) -> str:
        return {"bgnbd": "BG/NBD", "pareto-nbd": "Pareto/NBD"}[self.model]
