"""Data-quality anomalies: days without events, event types that stop or spike, loads
with a sudden share of quarantined rows.

A day without any event inside the data's range is a gap: it is reported, and the metric
models fit around it (the day is never filled in as if it were data). An event type is
watched like a metric (its daily count, same model and interval); a day it falls under a
tenth of its expected count is ``event_stopped``, a day above its interval and at least
twice its expected count is ``event_spike``: both are the signs of a broken tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlglot import exp

from shoplens.alerts.detect import DetectOptions, detect_series
from shoplens.alerts.model import MIN_DAYS
from shoplens.engines import Engine

#: an event type is watched when it averages at least this many events a day lately
MIN_DAILY_EVENTS = 20
STOPPED_BELOW = 0.10
SPIKE_FACTOR = 2.0
#: a load alerts when this share of its rows went to quarantine ...
QUARANTINE_SHARE = 0.02
#: ... and this many times the usual share of the other loads
QUARANTINE_FACTOR = 5.0


@dataclass
class QualityIssue:
    """One data-quality anomaly."""

    kind: str  # no_events | event_stopped | event_spike | quarantine
    day: str | None
    subject: str | None
    message: str
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "day": self.day, "subject": self.subject,
                "message": self.message, "stats": self.stats}


def gaps(totals: pd.Series, since: pd.Timestamp) -> list[QualityIssue]:
    """Days from ``since`` on without a single event (``totals``: events per day)."""
    out = []
    for day, n in totals.loc[totals.index >= since].items():
        if n == 0:
            d = day.date().isoformat()
            out.append(QualityIssue("no_events", d, None,
                                    f"No events at all on {d}: a gap in the data (not filled "
                                    "in; metrics skip the day).", {"events": 0}))
    return out


def event_types(counts: pd.DataFrame, since: pd.Timestamp, opts: DetectOptions,
                missing: pd.Series, top: int, declared: pd.Series | None = None
                ) -> list[QualityIssue]:
    """Event types (raw names) that stop or spike from ``since`` on."""
    if counts.empty or top == 0:
        return []
    recent = counts.loc[counts.index < since].tail(28).mean()
    names = [n for n in recent.sort_values(ascending=False).index[:top]
             if recent[n] >= MIN_DAILY_EVENTS]
    out = []
    for name in names:
        col = counts[name].where(~missing.reindex(counts.index, fill_value=False))
        if col.loc[col.index < since].notna().sum() < MIN_DAYS:
            continue
        frame = detect_series(col, since, opts, missing=missing, declared=declared).frame
        for day, row in frame.iterrows():
            if row["missing"] or pd.notna(row["declared"]) or not np.isfinite(row["actual"]) \
                    or row["expected"] <= 0:
                continue
            d = day.date().isoformat()
            stats = {"events": int(row["actual"]), "expected": round(float(row["expected"]), 1),
                     "lower": round(float(row["lower"]), 1),
                     "upper": round(float(row["upper"]), 1)}
            if row["actual"] < STOPPED_BELOW * row["expected"] and row["actual"] < row["lower"]:
                out.append(QualityIssue(
                    "event_stopped", d, str(name),
                    f"Event {name!r} nearly stopped on {d}: {int(row['actual']):,} events "
                    f"against {row['expected']:,.0f} expected; is its tracker broken?", stats))
            elif row["actual"] > row["upper"] and row["actual"] >= SPIKE_FACTOR * row["expected"]:
                out.append(QualityIssue(
                    "event_spike", d, str(name),
                    f"Event {name!r} spiked on {d}: {int(row['actual']):,} events against "
                    f"{row['expected']:,.0f} expected; a duplicated or looping tracker?", stats))
    return out


def quarantined_loads(engine: Engine) -> list[QualityIssue]:
    """Loads whose share of quarantined rows jumps above the usual share."""
    q = (exp.select("load_id", "source", "started_at", "rows_read", "rows_quarantined")
         .from_("loads").order_by("load_id"))
    loads = engine.fetch_df(q.sql("postgres"))
    if loads.empty:
        return []
    loads["share"] = loads["rows_quarantined"] / loads["rows_read"].where(loads["rows_read"] > 0)
    out = []
    for i, row in loads.iterrows():
        share = row["share"]
        if not np.isfinite(share) or share < QUARANTINE_SHARE:
            continue
        others = loads["share"].drop(index=i).dropna()
        usual = float(others.median()) if len(others) else 0.0
        if usual > 0 and share < QUARANTINE_FACTOR * usual:
            continue
        started = pd.Timestamp(row["started_at"])
        reason = engine.fetch_all(
            exp.select("reason", exp.Count(this=exp.Star()).as_("n")).from_("quarantine")
            .where(exp.column("load_id").eq(exp.Placeholder(this="id")))
            .group_by("reason").order_by(exp.Ordered(this=exp.column("n"), desc=True))
            .limit(1).sql("postgres"), {"id": int(row["load_id"])})
        top = f"; most common reason: {reason[0][0]}" if reason else ""
        out.append(QualityIssue(
            "quarantine", started.date().isoformat(), str(row["source"]),
            f"Load {int(row['load_id'])} ({row['source']}) quarantined {share:.1%} of its "
            f"{int(row['rows_read']):,} rows (usual {usual:.1%}){top}.",
            {"load_id": int(row["load_id"]), "rows_read": int(row["rows_read"]),
             "rows_quarantined": int(row["rows_quarantined"]), "share": round(float(share), 4),
             "usual_share": round(usual, 4)}))
    return out
