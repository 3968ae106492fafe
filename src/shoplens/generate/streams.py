"""Independent random streams, one per stage and block, all derived from the seed.

Each stage (catalogue, users, a chunk of sessions, ...) draws from its own
``SeedSequence(seed, spawn_key=key)``, so a change to one stage never shifts the draws
of another, and results depend only on the parameters, never on the machine.
"""

from __future__ import annotations

import numpy as np

CATALOG, USERS, CHUNK, USER_IDS, CHANNELS = 1, 2, 3, 4, 5
#: the labelled anomalies' injection (shoplens.generate.anomalies): its own key, so adding
#: anomalies draws nothing the channels draw
ANOMALIES = 6


def stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
