"""What :func:`shoplens.alerts.detect` returns: anomalies, data-quality issues, notes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shoplens.alerts.quality import QualityIssue
from shoplens.alerts.rootcause import Cause

#: exit code of ``shoplens alerts`` when alerts fire (0: quiet, 2: an error)
EXIT_ALERTS = 3


@dataclass
class Anomaly:
    """A day a watched metric left its prediction interval (or drifted off it).

    ``deviation`` is relative: ``actual / expected - 1`` (-0.41 is 41 % below).
    """

    metric: str
    label: str
    unit: str
    day: str
    kind: str  # drop | spike | drift
    actual: float
    expected: float
    lower: float
    upper: float
    deviation: float
    z: float
    causes: list[Cause] = field(default_factory=list)
    message: str = ""
    declared: str | None = None  # a declared holiday: reported, not alerting

    def numbers(self) -> list[float]:
        """Every number a message about this anomaly may quote."""
        nums = [self.actual, self.expected, self.lower, self.upper,
                abs(self.deviation) * 100, abs(self.deviation), abs(self.z)]
        if self.unit == "ratio":
            nums += [self.actual * 100, self.expected * 100, self.lower * 100, self.upper * 100]
        for c in self.causes:
            nums += [c.share_of_gap * 100, c.usual_share * 100, c.actual, c.expected]
        day = self.day.split("-")
        nums += [float(x) for x in day]
        return nums

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "label": self.label, "unit": self.unit, "day": self.day,
                "kind": self.kind, "actual": _r(self.actual), "expected": _r(self.expected),
                "lower": _r(self.lower), "upper": _r(self.upper),
                "deviation": round(self.deviation, 4), "z": round(self.z, 2),
                "causes": [c.to_json() for c in self.causes], "message": self.message,
                "declared": self.declared}


def _r(x: float) -> float:
    return round(float(x), 6)


@dataclass
class MetricSummary:
    metric: str
    label: str
    model: str
    days_judged: int
    anomalies: int
    last_day: str | None = None
    last_actual: float | None = None
    last_expected: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: (_r(v) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass
class AlertReport:
    """The answer of one watch: what fired, on which data, with which model."""

    since: str
    date_from: str
    date_to: str
    sensitivity: str
    breakdowns: list[str]
    metrics: list[MetricSummary] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    declared: list[Anomaly] = field(default_factory=list)
    quality: list[QualityIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provider: str = "offline"
    #: how the query model answered the series: "rollups" and/or "raw"
    sources: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def fired(self) -> bool:
        return bool(self.anomalies or self.quality)

    @property
    def exit_code(self) -> int:
        return EXIT_ALERTS if self.fired else 0

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since, "date_from": self.date_from, "date_to": self.date_to,
                "sensitivity": self.sensitivity, "breakdowns": self.breakdowns,
                "fired": self.fired, "exit_code": self.exit_code, "provider": self.provider,
                "sources": list(self.sources),
                "metrics": [m.to_json() for m in self.metrics],
                "anomalies": [a.to_json() for a in self.anomalies],
                "declared": [a.to_json() for a in self.declared],
                "data_quality": [q.to_json() for q in self.quality],
                "notes": list(self.notes), "seconds": round(self.seconds, 3)}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)
