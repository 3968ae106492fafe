"""Where shoppers come from and on what: an acquisition channel and a device per user,
and the ``utm_source``/``device`` a tracker sets on the first event of each session.

A real tracker carries campaign parameters on the landing page view only, so the
generated events have them on a session's first event and nowhere else; ShopLens's
query model reads the user's first-touch channel from there (``user.channel``).
Drawn from their own random stream, so adding them shifted no other draw.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shoplens.generate.personas import PERSONA_NAMES
from shoplens.generate.streams import CHANNELS, stream

CHANNEL_NAMES = ("google", "facebook", "instagram", "newsletter", "affiliate", "direct")
DEVICE_NAMES = ("mobile", "desktop", "tablet")

#: persona -> acquisition-channel weights (bargain hunters come through affiliates and
#: newsletters, fashion lovers through social media, tech enthusiasts through search)
_CHANNEL_MIX = {
    "tech_enthusiast": (45, 10, 5, 10, 10, 20),
    "bargain_hunter": (25, 10, 5, 25, 25, 10),
    "fashion_lover": (15, 25, 35, 10, 5, 10),
    "home_maker": (35, 25, 10, 15, 5, 10),
    "occasional_browser": (40, 20, 10, 5, 5, 20),
}
_DEVICE_MIX = {
    "tech_enthusiast": (35, 55, 10),
    "bargain_hunter": (60, 30, 10),
    "fashion_lover": (75, 15, 10),
    "home_maker": (50, 30, 20),
    "occasional_browser": (65, 25, 10),
}
#: share of later sessions that come back through the user's own acquisition channel;
#: the rest are direct visits
SAME_CHANNEL = 0.45


def _draw(rng: np.random.Generator, persona: np.ndarray,
          mix: dict[str, tuple[int, ...]]) -> np.ndarray:
    weights = np.array([mix[name] for name in PERSONA_NAMES], dtype=float)
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)[persona]
    u = rng.random(len(persona))[:, None]
    return np.minimum((cum < u).sum(axis=1), cum.shape[1] - 1).astype(np.int8)


def session_sources(seed: int, persona: np.ndarray, session_user: np.ndarray,
                    first_session: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(channel, device)`` codes (indices into the name tuples) of each session.

    ``persona`` is per user; ``session_user`` the user index of each session and
    ``first_session`` whether it is that user's first session (which comes through the
    acquisition channel).
    """
    rng = stream(seed, CHANNELS)
    acquisition = _draw(rng, persona, _CHANNEL_MIX)
    device = _draw(rng, persona, _DEVICE_MIX)
    channel = acquisition[session_user].copy()
    later = ~first_session
    direct = rng.random(len(session_user)) >= SAME_CHANNEL
    channel[later & direct] = CHANNEL_NAMES.index("direct")
    # one session in eight is on another device than the user's usual one
    other = rng.random(len(session_user)) < 0.125
    dev = device[session_user].copy()
    dev[other] = rng.integers(0, len(DEVICE_NAMES), int(other.sum()))
    return channel, dev


def first_event_columns(seed: int, persona: np.ndarray, event_user: np.ndarray,
                        event_session: np.ndarray) -> dict[str, pa.DictionaryArray]:
    """``utm_source`` and ``device`` columns for events in time order: set on each
    session's first event, null on the others."""
    n = len(event_session)
    _, first = np.unique(event_session, return_index=True)
    first.sort()  # sessions in order of their first event
    session_user = event_user[first]
    _, first_of_user = np.unique(session_user, return_index=True)
    first_session = np.zeros(len(first), bool)
    first_session[first_of_user] = True
    channel, device = session_sources(seed, persona, session_user, first_session)
    out = {}
    for name, codes, names in (("utm_source", channel, CHANNEL_NAMES),
                               ("device", device, DEVICE_NAMES)):
        idx = np.full(n, -1, np.int8)
        idx[first] = codes
        out[name] = pa.DictionaryArray.from_arrays(pa.array(idx, mask=idx < 0),
                                                   pa.array(names))
    return out
