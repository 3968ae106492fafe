"""A small shop log for the CLI tests: home -> product -> cart -> purchase journeys."""

from __future__ import annotations

from typing import Any

from shoplens.engines import Engine

from .conftest import frame

#: (user, [(event, minute, extra)]) — expected funnel home > cart:10m > purchase(price>100):
#: u1 converts, u2 carts too late (15 min), u3 buys cheap, u4 never carts
JOURNEYS: dict[str, list[tuple[str, int, dict[str, Any]]]] = {
    "u1": [("home", 0, {}), ("product_1", 1, {}), ("cart", 2, {}), ("purchase", 3, {"price": 150})],
    "u2": [("home", 0, {}), ("product_2", 5, {}), ("cart", 15, {}), ("purchase", 16, {"price": 120})],
    "u3": [("home", 0, {}), ("product_1", 1, {}), ("cart", 2, {}), ("purchase", 3, {"price": 20})],
    "u4": [("home", 0, {}), ("product_3", 1, {}), ("home", 2, {})],
    "u'5": [("search", 0, {}), ("product_1", 1, {}), ("product_2", 2, {}), ("cart", 3, {})],
}


def load_shop(engine: Engine) -> None:
    events = [(u, name, minute, extra) for u, evs in JOURNEYS.items()
              for name, minute, extra in evs]
    engine.append_df("events", frame(events))
