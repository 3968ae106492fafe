"""The parameters of a cohort retention matrix, validated before any SQL runs."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CohortBy = Literal["signup", "first_activity", "first_purchase"]
Unit = Literal["day", "week", "month"]
Measure = Literal["users", "orders", "revenue"]
Kind = Literal["classic", "rolling", "cumulative"]
Activity = Literal["any", "purchase"]

MAX_PERIODS = 400


class CohortParams(BaseModel):
    """What to group users by, how to step through time and what to count.

    The defaults reproduce the original brief: monthly signup cohorts followed week by
    week for 8 weeks, counting users active in each week.

    Parameters
    ----------
    cohort_by
        The date that puts a user in a cohort: ``signup`` (``users.signup_date``,
        falling back to ``users.first_seen`` and then to the user's first event when
        the source has no signup), ``first_activity`` (first event that is not a
        refund) or ``first_purchase`` (first ``purchase`` event).
    period
        Width of a cohort: ``day``, ``week`` (Monday to Sunday) or ``month``.
    offset_unit
        The step of the columns; offset *N* is the calendar ``offset_unit`` *N* units
        after the one holding the user's cohort date.
    periods
        Number of columns, offsets ``0 .. periods - 1``.
    measure
        ``users`` (distinct active users over cohort size), ``orders`` (orders, i.e.
        distinct purchase timestamps of a user) or ``revenue`` (net revenue).
    kind
        ``classic`` (in period N), ``rolling`` (in N or any later period, also called
        unbounded) or ``cumulative`` (in periods 0 .. N; with ``revenue`` the LTV curve).
    activity
        What makes a user active for ``measure="users"``: ``any`` event except a
        refund, or a ``purchase``. Default: ``purchase`` for ``first_purchase``
        cohorts, ``any`` otherwise.
    observed_from, observed_until
        First and last day the data covers (inclusive). Default: the dates of the
        first and last event. Cells outside this range are censored (``None``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cohort_by: CohortBy = "signup"
    period: Unit = "month"
    offset_unit: Unit = "week"
    periods: int = Field(8, ge=1, le=MAX_PERIODS)
    measure: Measure = "users"
    kind: Kind = "classic"
    activity: Activity | None = None
    observed_from: date | None = None
    observed_until: date | None = None

    @model_validator(mode="after")
    def _check(self) -> CohortParams:
        if (self.observed_from and self.observed_until
                and self.observed_from > self.observed_until):
            raise ValueError(
                f"observed_from ({self.observed_from}) is after observed_until "
                f"({self.observed_until})"
            )
        if self.activity is not None and self.measure != "users":
            raise ValueError(
                f"activity={self.activity!r} only applies to measure='users'; "
                f"measure={self.measure!r} always counts purchases"
            )
        return self

    @property
    def active_on(self) -> Activity:
        """The activity that counts, with the default resolved."""
        if self.activity is not None:
            return self.activity
        return "purchase" if self.cohort_by == "first_purchase" else "any"

    @property
    def unit(self) -> Literal["fraction", "per_user"]:
        """``fraction`` of the cohort (or of period 0), or an amount ``per_user``."""
        if self.measure != "users" and self.kind == "cumulative":
            return "per_user"
        return "fraction"

    @property
    def denominator(self) -> Literal["cohort_size", "period_0"]:
        """What each cell is divided by."""
        if self.measure == "users" or self.kind == "cumulative":
            return "cohort_size"
        return "period_0"
