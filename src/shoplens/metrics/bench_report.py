"""What ``shoplens bench`` reports: one row per query, the optimization's cost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field


class BenchRow(BaseModel):
    metric: str
    engine: str
    naive_ms: float
    optimized_ms: float
    speedup: float
    #: None: not compared (the naive form was stopped at ``BenchParams.naive_timeout_s``)
    rows_equal: bool | None
    naive_p95_ms: float
    optimized_p95_ms: float
    rows: int
    #: the naive form was stopped at the timeout: its time and the speed-up are lower
    #: bounds
    naive_timed_out: bool = False
    #: timed reads of each form (the median and p95 are of these)
    naive_reads: int = 0
    optimized_reads: int = 0


class OptimizationCost(BaseModel):
    """What the optimization costs: build time, storage, and upkeep per load."""

    access_paths_ms: float | None = Field(None, description="build of engine access paths")
    access_paths_bytes: int | None = None
    rollups_ms: float = Field(description="full build of every rollup from the events")
    rollups_bytes: int | None = None
    rollup_rows: int = 0
    refresh_one_day_ms: float | None = Field(None, description="incremental refresh of one new day")
    one_day_events: int = 0
    recategorize_ms: float | None = Field(
        None, description="catalogue update moving products to other categories, with the "
                          "revenue rollups' refresh")
    recategorized_products: int = 0


class BenchReport(BaseModel):
    engine: str
    events: int
    first_day: date | None
    last_day: date | None
    repeat: int
    #: each form was read at least ``repeat`` times and more while its reads took
    #: less than this many seconds
    read_seconds: float = 0.0
    rows: list[BenchRow]
    cost: OptimizationCost
    plans: Path | None = None
    settings: dict[str, str] = Field(default_factory=dict,
                                     description="server settings the timings ran with")
