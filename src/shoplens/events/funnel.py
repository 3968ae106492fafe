"""The funnel on canonical stages, whatever the tracker called its events.

Computed by the one funnel implementation, :mod:`shoplens.insights.funnels`: an
ordered funnel over the journey stages the data has, per session and per user.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine
from shoplens.events.queries import Staged
from shoplens.events.stages import FUNNEL_STAGES

#: the stage a shop's tracker most often leaves out: an optional step of the funnel
OPTIONAL_STAGES = frozenset({"checkout"})
#: conversion windows from the entry: a session's own span, or two weeks for a user
SESSION_WINDOW, USER_WINDOW = "1d", "14d"


class SessionParams(BaseModel):
    """How sessions are formed where the tracker gave no session id."""

    model_config = ConfigDict(extra="forbid")

    session_gap_minutes: int = Field(30, gt=0, description="inactivity that starts a new session")

    def bind(self) -> dict[str, int]:
        return {"gap_seconds": self.session_gap_minutes * 60}


@dataclass
class FunnelStep:
    stage: str
    tracked: bool
    sessions: int
    users: int
    session_rate_from_previous: float | None
    session_rate_from_start: float | None
    user_rate_from_previous: float | None
    user_rate_from_start: float | None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def stage_query(stages: list[str], count_by: str) -> Any:
    """The :class:`~shoplens.insights.schema.FunnelsQuery` of the stage funnel."""
    from shoplens.insights.schema import FunnelsQuery

    return FunnelsQuery.model_validate({
        "steps": [{"event": f"stage:{s}", "name": s,
                   "optional": s in OPTIONAL_STAGES and 0 < i < len(stages) - 1}
                  for i, s in enumerate(stages)],
        "order": "ordered", "count_by": count_by,
        "window": SESSION_WINDOW if count_by == "sessions" else USER_WINDOW})


def funnel(engine: Engine, params: SessionParams | None = None,
           src: Staged | None = None) -> list[FunnelStep]:
    """Sessions and users reaching each funnel stage.

    Notes
    -----
    Steps are browse -> consideration -> checkout -> conversion, an ordered funnel
    (:func:`shoplens.insights.funnels.runner.run_funnel` defines it exactly): a session
    or user reaches a stage when an event of each earlier stage came before, each
    strictly later than the previous one, within a day of the entry for a session and
    14 days for a user. Checkout is optional (many trackers log none): a conversion
    straight after consideration counts, and the checkout count is of those that went
    through it. A stage with no events at all in the data is marked ``tracked: false``
    and left out, so a tracker without checkout events (REES46) gets a
    browse -> consideration -> conversion funnel. Rates are shares of the previous
    required step and of the first step, rounded to 4 digits; ``None`` where the base
    is 0. Sessions are the tracker's session ids, or runs of a user's events with gaps
    under 30 minutes. ``params`` and ``src`` are kept for the callers' interface.
    """
    from shoplens.events.taxonomy import ensure_categorized
    from shoplens.insights.funnels import run_funnel

    del params, src
    ensure_categorized(engine)
    tracked = {
        str(s) for (s,) in engine.fetch_all(
            "SELECT DISTINCT t.stage FROM events AS e "
            "JOIN event_taxonomy AS t ON t.raw_event = e.raw_event")
    }
    stages = [s for s in FUNNEL_STAGES if s in tracked]
    by: dict[str, dict[str, dict[str, Any]]] = {"sessions": {}, "users": {}}
    if len(stages) >= 2:
        for count_by in by:
            result = run_funnel(engine, stage_query(stages, count_by))
            by[count_by] = {s["name"]: s for s in result.payload["steps"]}
    elif stages:
        # one stage is no funnel (2 steps at least): the entry count of the stage followed
        # by itself is the sessions and users with an event of it, sessions formed as above
        for count_by in by:
            result = run_funnel(engine, stage_query(stages * 2, count_by))
            by[count_by] = {stages[0]: _only(int(result.payload["steps"][0]["count"]))}
    steps: list[FunnelStep] = []
    for stage in FUNNEL_STAGES:
        s, u = by["sessions"].get(stage), by["users"].get(stage)
        if s is None or u is None:
            steps.append(FunnelStep(stage, False, 0, 0, None, None, None, None))
            continue
        steps.append(FunnelStep(
            stage, True, s["count"], u["count"],
            _r(s["conversion_from_previous"], 1.0 if stage == stages[0] else None),
            _r(s["conversion_from_start"]),
            _r(u["conversion_from_previous"], 1.0 if stage == stages[0] else None),
            _r(u["conversion_from_start"])))
    return steps


def _only(n: int) -> dict[str, Any]:
    return {"count": n, "conversion_from_previous": None,
            "conversion_from_start": 1.0 if n else None}


def _r(v: float | None, first: float | None = None) -> float | None:
    if v is None:
        return first
    return round(v, 4)
