"""The generator's parameter object and the summary it returns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, computed_field

#: default first day of the generated period: a full calendar year, so that the
#: yearly season (November/December peak) is inside it
DEFAULT_START = date(2024, 1, 1)


class GenerateParams(BaseModel):
    """What to generate.

    Parameters
    ----------
    users
        Number of shoppers who sign up during the period. Ignored when ``events`` is set.
    months
        Length of the period in calendar months, starting at ``start``.
    seed
        Seed of every random draw: the same parameters and seed give byte-identical files.
    start
        First day of the period (UTC).
    events
        Approximate total number of events wanted; the generator then picks the number of
        users so that the total lands within about 10% of it.
    products
        Catalogue size; ``None`` scales it with the number of users (2,000 to 50,000).
    parquet
        Write Parquet files instead of CSV/JSONL.
    anomalies
        Number of labelled anomalies to inject (drops, spikes, a country's outage, an
        event type stopping, a slow drift; see :mod:`shoplens.generate.anomalies`), with
        their labels in ``anomalies.json``. 0 (the default) leaves the shop untouched.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    users: int = Field(20_000, ge=1, le=50_000_000)
    months: int = Field(12, ge=1, le=120)
    seed: int = Field(42, ge=0, le=2**63 - 1)
    start: date = DEFAULT_START
    events: int | None = Field(None, ge=100, le=2_000_000_000)
    products: int | None = Field(None, ge=200, le=5_000_000)
    parquet: bool = False
    anomalies: int = Field(0, ge=0, le=50)

    def catalog_size(self, n_users: int) -> int:
        if self.products is not None:
            return self.products
        return int(min(50_000, max(2_000, n_users // 4)))


class GenerateSummary(BaseModel):
    """What was generated and where it was written."""

    out: Path | None
    seed: int
    start: date
    end: date
    users: int
    products: int
    sessions: int
    events: int
    searches: int
    event_counts: dict[str, int]
    personas: dict[str, int]
    files: list[Path] = Field(default_factory=list)
    seconds: float = 0.0

    @computed_field
    @property
    def events_per_second(self) -> float:
        return round(self.events / self.seconds, 1) if self.seconds > 0 else 0.0
