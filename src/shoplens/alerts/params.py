"""The parameter object of :func:`shoplens.alerts.detect`: what to watch and how strictly."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shoplens.insights.schema import TrendsQuery
from shoplens.llm import LLMSettings

Sensitivity = Literal["low", "medium", "high"]

#: z of the prediction interval per sensitivity (on the log scale of the metric). Medium
#: is set so that a metric raises at most about one false alert per 90 days (see
#: benchmarks/alerts_bench.py); low alerts on larger deviations only, high on smaller.
Z_SCORE: dict[str, float] = {"low": 4.0, "medium": 3.2, "high": 2.6}
#: smallest relative deviation that can alert, per sensitivity: a day a few per cent off
#: a very steady series is not worth waking someone up for
MIN_DEVIATION: dict[str, float] = {"low": 0.25, "medium": 0.15, "high": 0.10}
#: CUSUM decision threshold (in residual standard deviations) for slow drifts
CUSUM_H: dict[str, float] = {"low": 10.0, "medium": 8.0, "high": 6.0}

#: default breakdown properties of the root cause (those the database has are used)
DEFAULT_BREAKDOWNS: tuple[str, ...] = ("user.country", "product.category", "event.event_type")

_HOLIDAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?(?::(.*))?$")


class Holiday(BaseModel):
    """A day (or days) the user declares unusual: a holiday, a promotion, a sale.

    Declared days are left out of the model's fit and never alert (their deviation is
    still reported, marked as declared).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    end: date
    name: str = Field("declared", max_length=100)

    @classmethod
    def parse(cls, text: str) -> Holiday:
        """``2024-11-29``, ``2024-11-29:Black Friday`` or ``2024-11-29..2024-12-02:Sale``."""
        m = _HOLIDAY.match(text.strip())
        if not m:
            raise ValueError(f"{text!r} is not DATE[..DATE][:NAME] (e.g. 2024-11-29:Black Friday)")
        start = date.fromisoformat(m.group(1))
        end = date.fromisoformat(m.group(2)) if m.group(2) else start
        if end < start:
            raise ValueError(f"{text!r}: the end date is before the start date")
        return cls(start=start, end=end, name=(m.group(3) or "declared").strip() or "declared")


class AlertParams(BaseModel):
    """What :func:`shoplens.alerts.detect` watches.

    Parameters
    ----------
    metrics
        Built-in metric names (``revenue``, ``orders``, ``buyers``, ``dau``,
        ``conversion``, ``events``, ``events:<raw name or action:NAME>``); empty means the
        five business metrics.
    queries
        Further trends query documents to watch (each series, or the formula, is one
        watched metric), named by their first series' label.
    since
        First day alerts are raised for (older days are history only); ISO date or
        ``-14d``-style relative to the last day with data. Default: the last 14 days.
    sensitivity
        ``low``, ``medium`` or ``high`` (interval width and smallest deviation).
    breakdowns
        Properties of the query model whose values the root cause ranks
        (``user.country``, ``product.category``, ``event.event_type``, ``user.channel``
        ...; short names such as ``country`` too). Empty: the defaults the data has.
    holidays
        Declared unusual days (left out of the fit, never alerting).
    data_quality
        Also check days without events, event types that stop or spike, and loads with
        a sudden share of quarantined rows.
    llm
        Provider that may rewrite the messages (offline by default: templates).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: list[str] = Field(default_factory=list, max_length=50)
    queries: list[TrendsQuery] = Field(default_factory=list, max_length=50)
    since: str | None = Field(None, max_length=40)
    sensitivity: Sensitivity = "medium"
    breakdowns: list[str] = Field(default_factory=list, max_length=10)
    holidays: list[Holiday] = Field(default_factory=list, max_length=1000)
    data_quality: bool = True
    event_types: int = Field(20, ge=0, le=200, description="most frequent event types checked")
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @field_validator("since")
    @classmethod
    def _since(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if re.fullmatch(r"-\d+[dw]", v.strip()):
            return v.strip()
        try:
            date.fromisoformat(v.strip())
        except ValueError:
            raise ValueError(f"{v!r} is not a date (YYYY-MM-DD) nor -Nd / -Nw") from None
        return v.strip()

    @property
    def z(self) -> float:
        return Z_SCORE[self.sensitivity]

    @property
    def min_deviation(self) -> float:
        return MIN_DEVIATION[self.sensitivity]

    @property
    def cusum_h(self) -> float:
        return CUSUM_H[self.sensitivity]
