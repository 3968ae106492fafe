"""Labelled anomalies injected into a generated shop, so that alerting can be measured.

Kinds, taken in turn (``GenerateParams.anomalies`` of them, on days at least ten days
apart, after eight weeks of normal history, away from the sale days and Christmas):

- ``drop``: 40–60 % of the day's sessions vanish (a broken checkout, an outage);
- ``spike``: 70–100 % of the day's sessions appear twice (a bot replaying sessions);
- ``country_outage``: the shop is down in one large country for 1–3 days (no events of
  its users);
- ``event_stops``: the ``add-to-cart`` event stops for 1–4 days (a broken tracker);
- ``drift``: over 21 days a growing share of sessions vanishes (0 → 50 %), then recovers.

The labels (``anomalies.json``) name the days, the metrics that should alert and, where
the anomaly has one place, the breakdown value the root cause should name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoplens.generate.calendar import DAY, _black_friday
from shoplens.generate.streams import ANOMALIES, stream

KINDS = ("drop", "spike", "country_outage", "event_stops", "drift")
#: metrics expected to alert per kind (drops and spikes of whole sessions keep conversion;
#: a spike repeats sessions of the same users)
_SESSIONS = ["revenue", "orders", "buyers", "dau", "events", "events:add-to-cart"]
METRICS = {
    "drop": _SESSIONS,
    "spike": ["revenue", "orders", "events", "events:add-to-cart"],  # same users: not dau
    "country_outage": _SESSIONS,
    "event_stops": ["events:add-to-cart"],
    "drift": _SESSIONS,
}
DRIFT_DAYS = 21
#: drift days labelled: those with at least this share of sessions gone
DRIFT_LABEL = 0.2
HISTORY_DAYS = 56


@dataclass
class Injected:
    events: pa.Table
    labels: list[dict[str, Any]]


def declared_days(start: date, n_days: int) -> list[tuple[date, date, str]]:
    """The days the generator's calendar makes unusual on purpose (Black Friday to Cyber
    Monday, Christmas week), as a shop would declare them to ``shoplens alerts
    --holiday``: ``(first day, last day, name)`` within the period."""
    end = start + timedelta(days=n_days - 1)
    out = []
    for year in range(start.year, end.year + 1):
        bf = _black_friday(year)
        for lo, hi, name in ((bf, bf + timedelta(days=3), "Black Friday to Cyber Monday"),
                             (date(year, 12, 24), date(year, 12, 31), "Christmas")):
            if hi >= start and lo <= end:
                out.append((max(lo, start), min(hi, end), name))
    return out


def _free_days(start: date, n_days: int) -> list[int]:
    bad: set[int] = set()
    for year in {start.year, start.year + 1, (start + timedelta(days=n_days)).year}:
        bf = (_black_friday(year) - start).days
        bad |= set(range(bf - 2, bf + 6))
        xmas = (date(year, 12, 22) - start).days
        bad |= set(range(xmas, xmas + 12))
    return [d for d in range(HISTORY_DAYS, n_days - 1) if d not in bad]


def _pick_days(rng: np.random.Generator, free: list[int], spans: list[int]) -> list[int]:
    taken: list[tuple[int, int]] = []
    out = []
    for span in spans:
        ok = [d for d in free if all(d + i in free for i in range(span))
              and all(d + span + 10 <= a or d >= b + 10 for a, b in taken)]
        if not ok:
            raise ValueError("the period is too short for this many anomalies")
        d = int(rng.choice(ok))
        taken.append((d, d + span))
        out.append(d)
    return out


def inject(events: pa.Table, users: pa.Table, start: date, n_days: int, n: int, seed: int
           ) -> Injected:
    """``events`` with ``n`` labelled anomalies (see the module's docstring)."""
    rng = stream(seed, ANOMALIES)
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    spans = [{"country_outage": int(rng.integers(1, 4)), "event_stops": int(rng.integers(1, 5)),
              "drift": DRIFT_DAYS}.get(k, 1) for k in kinds]
    days = _pick_days(rng, _free_days(start, n_days), spans)
    t0 = int((np.datetime64(start, "s") - np.datetime64(0, "s")).astype(np.int64))
    ts = pc.cast(events.column("timestamp"), pa.int64()).to_numpy()
    day_of = (ts - t0) // DAY
    sess = pc.dictionary_encode(events.column("session_id")).combine_chunks()
    sess_idx = sess.indices.to_numpy()
    kind_col = pc.cast(events.column("event_type"), pa.string())
    shares = pc.value_counts(users.column("country")).to_pylist()
    total = sum(s["counts"] for s in shares)
    big = sorted((s for s in shares if s["counts"] >= 0.2 * total), key=lambda s: -s["counts"]) \
        or sorted(shares, key=lambda s: -s["counts"])[:1]

    keep = np.ones(len(ts), bool)
    dup = np.zeros(len(ts), bool)
    labels = []
    session_u = rng.random(len(sess.dictionary))  # one draw per session: whole sessions go
    for kind, day, span in zip(kinds, days, spans, strict=True):
        on = (day_of >= day) & (day_of < day + span)
        label: dict[str, Any] = {"kind": kind, "start": (start + timedelta(days=day)).isoformat(),
                                 "end": (start + timedelta(days=day + span - 1)).isoformat(),
                                 "metrics": METRICS[kind], "cause": None}
        if kind == "drop":
            frac = float(rng.uniform(0.4, 0.6))
            keep &= ~(on & (session_u[sess_idx] < frac))
            label["magnitude"] = -round(frac, 3)
        elif kind == "spike":
            frac = float(rng.uniform(0.7, 1.0))
            dup |= on & (session_u[sess_idx] < frac)
            label["magnitude"] = round(frac, 3)
        elif kind == "country_outage":
            country = str(big[int(rng.integers(0, len(big)))]["values"])
            where = pc.index_in(events.column("user_id"), value_set=users.column("user_id"))
            in_country = pc.fill_null(pc.equal(users.column("country").take(where), country),
                                      False).to_numpy(zero_copy_only=False)
            keep &= ~(on & in_country)
            label["cause"] = {"property": "user.country", "value": country}
            label["magnitude"] = -1.0
        elif kind == "event_stops":
            keep &= ~(on & (kind_col.to_numpy(zero_copy_only=False) == "add-to-cart"))
            label["cause"] = {"property": "event.raw_event", "value": "add-to-cart"}
            label["magnitude"] = -1.0
        else:  # drift: share gone grows over the days, then back to normal
            frac = np.zeros(n_days + 1)
            frac[day:day + span] = np.linspace(0.0, 0.5, span)
            gone = session_u[sess_idx] < frac[np.clip(day_of, 0, n_days)]
            keep &= ~gone
            label["magnitude"] = -0.5
            span_days = [d for d in range(day, day + span) if frac[d] >= DRIFT_LABEL]
            # the days before are drifting too, by less than DRIFT_LABEL: not labelled
            label["ramp_start"] = label["start"]
            label["start"] = (start + timedelta(days=span_days[0])).isoformat()
        first = date.fromisoformat(label["start"])
        last = date.fromisoformat(label["end"])
        label["days"] = [(first + timedelta(days=i)).isoformat()
                         for i in range((last - first).days + 1)]
        labels.append(label)

    out = events.filter(pa.array(keep))
    if dup.any():
        copies = events.filter(pa.array(dup & keep))
        shift = rng.integers(1, 900, copies.num_rows)
        new_ts = ts[dup & keep] + shift
        # a copy stays on its own day
        new_ts = np.minimum(new_ts, (new_ts - t0) // DAY * DAY + t0 + DAY - 1)
        copies = copies.set_column(copies.column_names.index("timestamp"), "timestamp",
                                   pa.array(new_ts.astype("datetime64[s]")))
        sid = pc.binary_join_element_wise(copies.column("session_id"), "x", "-")
        copies = copies.set_column(copies.column_names.index("session_id"), "session_id", sid)
        out = pa.concat_tables([out, copies.cast(out.schema)])
        order = pc.sort_indices(out, sort_keys=[("timestamp", "ascending")])
        out = out.take(order)
    labels.sort(key=lambda lab: lab["start"])
    return Injected(out, labels)
