"""A plain-pandas reference of the funnel and pattern definitions, row by row, to check
the SQL against on random data. Deliberately written differently (loops over sessions)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pandas as pd

RANK = {"browse": 1, "consideration": 2, "removal": 3, "checkout": 4, "conversion": 5,
        "other": 6}
FUNNEL = ["browse", "consideration", "checkout", "conversion"]


def sessions(events: pd.DataFrame, stage_of: dict[str, str], action_of: dict[str, str],
             gap_minutes: int = 30) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(user, session key) -> that session's events in order."""
    rows = [dict(r) for r in events.to_dict("records")]
    for r in rows:
        r["stage"] = stage_of[r["raw_event"]]
        r["action"] = action_of[r["raw_event"]]
    rows.sort(key=lambda r: (r["event_time"], RANK[r["stage"]], r["event_id"]))
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    last_time: dict[str, Any] = {}
    count: dict[str, int] = {}
    for r in rows:
        u = r["user_id"]
        sid = r["session_id"]
        if sid is not None and not (isinstance(sid, float) and pd.isna(sid)):
            key = "S" + sid
        else:
            prev = last_time.get(u)
            if prev is None or r["event_time"] - prev > timedelta(minutes=gap_minutes):
                count[u] = count.get(u, 0) + 1
            last_time[u] = r["event_time"]
            key = f"G{count[u]}"
        out.setdefault((u, key), []).append(r)
    return out


def funnel(sess: dict) -> list[tuple[str, int, int]]:
    """The ordered stage funnel (checkout optional), per session (1-day window) and per
    user (14 days), by the plain reference of :mod:`insights.funnels.reference`."""
    from insights.funnels.reference import Ev, Spec, counts

    tracked = {e["stage"] for evs in sess.values() for e in evs}
    stages = [s for s in FUNNEL if s in tracked]
    if len(stages) < 2:  # the sessions and users with an event of the one stage
        return [(s, sum(any(e["stage"] == s for e in evs) for evs in sess.values()),
                 len({k[0] for k, evs in sess.items() if any(e["stage"] == s for e in evs)}))
                for s in stages]
    optional = [s == "checkout" and 0 < i < len(stages) - 1 for i, s in enumerate(stages)]

    def evs(by_user: bool) -> list[Ev]:
        return [Ev(k[0] if by_user else f"{k[0]}/{k[1]}",
                   int(e["event_time"].timestamp() * 1_000_000), int(e["event_id"]), e["stage"])
                for k, rows in sess.items() for e in rows]

    day = 86_400_000_000
    by_session = counts(evs(False), Spec(stages, day, optional=optional))
    by_user = counts(evs(True), Spec(stages, 14 * day, optional=optional))
    return list(zip(stages, by_session, by_user, strict=True))


def transitions(sess: dict) -> Counter:
    c: Counter = Counter()
    for evs in sess.values():
        for a, b in zip(evs, [*evs[1:], None], strict=True):
            c[(a["stage"], b["stage"] if b else "(exit)")] += 1
    return c


def paths(sess: dict, n: int) -> Counter:
    c: Counter = Counter()
    for evs in sess.values():
        steps: list[str] = []
        for e in evs:
            if not steps or steps[-1] != e["stage"]:
                steps.append(e["stage"])
        p = " > ".join(steps[:n]) + (" > (exit)" if len(steps) < n else "")
        c[p] += 1
    return c


def abandonment(sess: dict, days: int = 7) -> tuple[int, int, int]:
    carts = abandoned = recovered = 0
    conv_times: dict[str, list] = {}
    for (u, _), evs in sess.items():
        t = [e["event_time"] for e in evs if e["stage"] == "conversion"]
        if t:
            conv_times.setdefault(u, []).append(min(t))
    for (u, _), evs in sess.items():
        if not any(e["action"] == "cart" for e in evs):
            continue
        carts += 1
        if any(e["stage"] == "conversion" for e in evs):
            continue
        abandoned += 1
        end = max(e["event_time"] for e in evs)
        if any(end < t <= end + timedelta(days=days) for t in conv_times.get(u, [])):
            recovered += 1
    return carts, abandoned, recovered


def repeat(sess: dict) -> tuple[int, int, int]:
    per_user: dict[str, int] = {}
    for (u, _), evs in sess.items():
        if any(e["stage"] == "conversion" for e in evs):
            per_user[u] = per_user.get(u, 0) + 1
    return len(per_user), sum(1 for n in per_user.values() if n > 1), \
        sum(n - 1 for n in per_user.values())


def dropoffs(sess: dict) -> tuple[int, dict[str, int]]:
    converted = 0
    dropped: dict[str, int] = {}
    for evs in sess.values():
        if any(e["stage"] == "conversion" for e in evs):
            converted += 1
            continue
        ranks = [RANK[e["stage"]] for e in evs if e["stage"] in FUNNEL]
        stage = {1: "browse", 2: "consideration", 4: "checkout"}[max(ranks)] if ranks \
            else "(no funnel step)"
        dropped[stage] = dropped.get(stage, 0) + 1
    return converted, dropped
