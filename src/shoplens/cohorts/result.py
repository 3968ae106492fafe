"""The retention matrix as ShopLens hands it on: rows of cohorts, cells or ``None``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from shoplens.cohorts.params import CohortParams
from shoplens.insights.result import InsightResult


@dataclass(frozen=True)
class CohortRow:
    """One cohort: its start, size and one value per offset (``None`` = censored).

    ``numerators`` and ``denominators`` are the counts or amounts each value divides
    (kept for weighting and checking; ``None`` where censored); ``observed`` says which
    cells the data covers.
    """

    cohort: date
    label: str
    size: int
    values: list[float | None]
    numerators: list[float | None]
    denominators: list[float | None]
    observed: list[bool]

    @property
    def observed_periods(self) -> int:
        """Number of observable offsets (they always come first)."""
        return sum(self.observed)


@dataclass(frozen=True)
class CohortResult:
    """A retention matrix computed by :func:`shoplens.cohorts.compute_cohorts`.

    Attributes
    ----------
    params
        The parameters it was computed with.
    rows
        One :class:`CohortRow` per cohort, oldest first.
    average
        The size-weighted average per offset: the sum of numerators over the sum of
        denominators of the cohorts whose cell is observable (``None`` where none is).
    observed_from, observed_until
        The days the data covers (inclusive), which decide censoring.
    anchor_sources
        For ``cohort_by="signup"``: how many users were placed by ``signup_date``, by
        ``first_seen`` and by their first event (the source had no signup).
    source
        ``"rollups"`` when the insight planner answered from the user-day rollup,
        ``"raw"`` when the events were read.
    """

    params: CohortParams
    rows: list[CohortRow]
    average: list[float | None]
    observed_from: date | None
    observed_until: date | None
    anchor_sources: dict[str, int] = field(default_factory=dict)
    source: str = "raw"

    @property
    def offsets(self) -> list[int]:
        return list(range(self.params.periods))

    @property
    def unit(self) -> str:
        return self.params.unit

    @property
    def total_users(self) -> int:
        return sum(r.size for r in self.rows)

    @property
    def fallback_note(self) -> str | None:
        """A sentence saying where signup cohorts had to fall back, or ``None``."""
        src = self.anchor_sources
        fell_back = src.get("first_seen", 0) + src.get("first_event", 0)
        if self.params.cohort_by != "signup" or not fell_back:
            return None
        total = sum(src.values())
        return (
            f"{fell_back:,} of {total:,} users have no signup_date; their cohort is the day "
            f"they were first seen ({src.get('first_seen', 0):,} from users.first_seen, "
            f"{src.get('first_event', 0):,} from their first event)"
        )

    def to_frame(self) -> pd.DataFrame:
        """Cohorts by offsets (``NaN`` = censored), indexed by cohort start, with ``size``."""
        data = {n: [r.values[n] for r in self.rows] for n in self.offsets}
        frame = pd.DataFrame(data, index=pd.Index([r.cohort for r in self.rows], name="cohort"),
                             dtype="float64")
        frame.columns.name = "offset"
        frame.insert(0, "size", [r.size for r in self.rows])
        return frame

    def to_json_dict(self) -> dict[str, Any]:
        """The document ``shoplens cohorts --json`` prints (values as fractions or
        per-user amounts, ``None`` for censored cells)."""
        p = self.params
        return {
            "cohort_by": p.cohort_by,
            "period": p.period,
            "offset_unit": p.offset_unit,
            "measure": p.measure,
            "kind": p.kind,
            "activity": p.active_on if p.measure == "users" else "purchase",
            "unit": p.unit,
            "denominator": p.denominator,
            "periods": p.periods,
            "observed_from": _iso(self.observed_from),
            "observed_until": _iso(self.observed_until),
            "anchor_sources": self.anchor_sources,
            "note": self.fallback_note,
            "source": self.source,
            "cohorts": [
                {
                    "cohort": r.cohort.isoformat(),
                    "label": r.label,
                    "size": r.size,
                    "values": r.values,
                    "numerators": r.numerators,
                    "denominators": r.denominators,
                    "observed_periods": r.observed_periods,
                }
                for r in self.rows
            ],
            "average": {"label": "weighted average", "values": self.average},
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def cohort_label(start: date, period: str) -> str:
    """``2019-10`` for months, ``2020-W01`` (ISO week) for weeks, the date for days."""
    if period == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return start.isoformat()


def build_result(params: CohortParams, answer: InsightResult) -> CohortResult:
    """Present the retention runner's answer as the matrix: rates as the cells, the
    runner's values and denominators as numerators and denominators, its average."""
    doc = answer.payload
    rows = []
    for c in doc["cohorts"]:
        start = date.fromisoformat(c["cohort"])
        rows.append(CohortRow(
            cohort=start, label=cohort_label(start, params.period), size=int(c["size"]),
            values=list(c["rates"]), numerators=list(c["values"]),
            denominators=list(c["denominators"]), observed=list(c["observed"])))
    sources = doc.get("anchor_sources") or {}
    return CohortResult(
        params=params, rows=rows, average=list(doc["average"]),
        observed_from=date.fromisoformat(answer.date_from) if answer.date_from else None,
        observed_until=date.fromisoformat(answer.date_to) if answer.date_to else None,
        anchor_sources=dict(sources) if params.cohort_by == "signup" else {},
        source=answer.source)
