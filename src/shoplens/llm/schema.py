"""The JSON shapes ShopLens asks language models for, as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Priority = Literal["high", "medium", "low"]


class Insight(BaseModel):
    """One finding about the shop, backed by numbers from the computed statistics."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=120)
    finding: str = Field(min_length=10, description="what the data shows, in one or two sentences")
    evidence: dict[str, float | int | str] = Field(
        min_length=1, description="metric name -> value, copied from the statistics")
    recommendation: str = Field(min_length=10, description="what the shop should do")
    priority: Priority
    expected_impact: str = Field(min_length=3, description="what changes if it is done")


class InsightsResponse(BaseModel):
    """The whole answer: a list of insights, most important first."""

    model_config = ConfigDict(extra="forbid")

    insights: list[Insight] = Field(min_length=1, max_length=12)


class EventLabel(BaseModel):
    """A language model's stage for one raw event name."""

    model_config = ConfigDict(extra="forbid")

    raw: str
    stage: Literal["browse", "consideration", "removal", "checkout", "conversion", "other"]
    confidence: float = Field(ge=0.0, le=1.0)


class EventLabels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[EventLabel]
