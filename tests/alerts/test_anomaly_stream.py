"""The generator's anomalies draw from their own random stream: injecting them changes no
session's channel or device, and no other stage shares their key."""

from __future__ import annotations

import pyarrow.compute as pc

from shoplens.generate import GenerateParams, generate_tables, streams


def _sources(events) -> dict[str, tuple[str, str]]:
    first = events.filter(pc.is_valid(events.column("utm_source")))
    return dict(zip(first.column("session_id").to_pylist(),
                    zip(pc.cast(first.column("utm_source"), "string").to_pylist(),
                        pc.cast(first.column("device"), "string").to_pylist(), strict=True),
                    strict=True))


def test_every_stage_has_its_own_stream_key() -> None:
    keys = {name: value for name, value in vars(streams).items()
            if name.isupper() and isinstance(value, int)}
    assert "ANOMALIES" in keys and "CHANNELS" in keys
    assert len(set(keys.values())) == len(keys), keys


def test_injected_anomalies_keep_every_sessions_channel_and_device() -> None:
    params = GenerateParams(users=400, months=4, seed=7)
    plain = generate_tables(params)
    injected = generate_tables(params.model_copy(update={"anomalies": 3}))
    assert [lab["kind"] for lab in injected.anomalies] and not plain.anomalies
    before, after = _sources(plain.events), _sources(injected.events)
    # a drop or an outage removes sessions, a spike adds replayed copies ("<id>-x")
    kept = {s: v for s, v in after.items() if not s.endswith("-x")}
    assert kept and len(kept) < len(before)
    assert all(before[s] == v for s, v in kept.items())
    replayed = {s[:-2]: v for s, v in after.items() if s.endswith("-x")}
    assert all(before[s] == v for s, v in replayed.items())
