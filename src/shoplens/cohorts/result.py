"""The retention matrix as ShopLens hands it on: rows of cohorts, cells or ``None``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from shoplens.cohorts.params import CohortParams


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
    """

    params: CohortParams
    rows: list[CohortRow]
    average: list[float | None]
    observed_from: date | None
    observed_until: date | None
    anchor_sources: dict[str, int] = field(default_factory=dict)

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


def _num(x: Any) -> float:
    return float(x) if x is not None and not (isinstance(x, float) and math.isnan(x)) else 0.0


def build_result(params: CohortParams, cells: pd.DataFrame) -> CohortResult:
    """Reshape the engine's long rows into a :class:`CohortResult` (no arithmetic
    beyond the weighted average row)."""
    if cells.empty:
        return CohortResult(params, [], [None] * params.periods, params.observed_from,
                            params.observed_until, {})
    rows: list[CohortRow] = []
    periods = params.periods
    sources = {"signup_date": 0, "first_seen": 0, "first_event": 0}
    for cohort, grp in cells.groupby("cohort", sort=True):
        grp = grp.sort_values("offset")
        if list(grp["offset"]) != list(range(periods)):
            raise RuntimeError(f"cohort {cohort}: engine returned offsets {list(grp['offset'])}")
        start = pd.Timestamp(cohort).date()
        first = grp.iloc[0]
        observed = [bool(v) for v in grp["observable"]]
        values = [
            (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
            for v in grp["value"].astype(object)
        ]
        rows.append(CohortRow(
            cohort=start,
            label=cohort_label(start, params.period),
            size=int(first["size"]),
            values=values,
            numerators=[_num(x) if ok else None
                        for x, ok in zip(grp["numerator"], observed, strict=True)],
            denominators=[_num(x) if ok else None
                          for x, ok in zip(grp["denominator"], observed, strict=True)],
            observed=observed,
        ))
        for key in sources:
            sources[key] += int(first[f"from_{key}"])
    average: list[float | None] = []
    for n in range(periods):
        seen = [r for r in rows if r.observed[n] and r.denominators[n]]
        num = sum(r.numerators[n] or 0.0 for r in seen)
        den = sum(r.denominators[n] or 0.0 for r in seen)
        average.append(num / den if den else None)
    first_row = cells.iloc[0]
    anchor_sources = sources if params.cohort_by == "signup" else {}
    return CohortResult(
        params=params,
        rows=rows,
        average=average,
        observed_from=_as_date(first_row["obs_start"]),
        observed_until=_as_date(first_row["obs_end"]),
        anchor_sources=anchor_sources,
    )


def _as_date(x: Any) -> date | None:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT:
        return None
    return pd.Timestamp(x).date()
