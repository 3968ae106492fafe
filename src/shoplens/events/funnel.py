"""The funnel on canonical stages, whatever the tracker called its events."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine
from shoplens.events.queries import Staged
from shoplens.events.stages import FUNNEL_STAGES


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


def funnel(engine: Engine, params: SessionParams | None = None,
           src: Staged | None = None) -> list[FunnelStep]:
    """Sessions and users reaching each funnel stage.

    Notes
    -----
    Steps are browse -> consideration -> checkout -> conversion. A session *reaches* a
    step when it has an event of that stage or of any later step (a purchase implies
    the steps before it, even where the tracker logged none of them, or logged them in
    an earlier session); a user reaches a step when one of their sessions does. A
    stage with no events at all in the data is marked ``tracked: false`` and skipped,
    so a tracker without checkout events (REES46) gets a
    browse -> consideration -> conversion funnel. Rates are shares of the previous
    tracked step and of the first tracked step, rounded to 4 digits; ``None`` where
    the base is 0. Sessions are the tracker's session ids, or runs of a user's events
    with gaps under ``session_gap_minutes``.
    """
    params = params or SessionParams()
    tracked = {
        str(s) for (s,) in engine.fetch_all(
            "SELECT DISTINCT t.stage FROM events AS e "
            "JOIN event_taxonomy AS t ON t.raw_event = e.raw_event")
    }
    row = (src or Staged(params.bind())).fetch_all(engine, "funnel")[0]
    sessions = [int(v or 0) for v in row[1:5]]
    users = [int(v or 0) for v in row[6:10]]
    steps: list[FunnelStep] = []
    prev_s = first_s = prev_u = first_u = None
    for i, stage in enumerate(FUNNEL_STAGES):
        if stage not in tracked:
            steps.append(FunnelStep(stage, False, 0, 0, None, None, None, None))
            continue
        s, u = sessions[i], users[i]
        if first_s is None:
            first_s, first_u = s, u
        steps.append(FunnelStep(
            stage, True, s, u,
            _rate(s, prev_s if prev_s is not None else s), _rate(s, first_s),
            _rate(u, prev_u if prev_u is not None else u), _rate(u, first_u),
        ))
        prev_s, prev_u = s, u
    return steps


def _rate(n: int, base: int | None) -> float | None:
    return round(n / base, 4) if base else None
