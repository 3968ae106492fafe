from __future__ import annotations

import pytest

from shoplens.engines import Engine

from .shop import load_shop


@pytest.fixture
def shop(engine: Engine) -> Engine:
    """The hand-made shop of :mod:`tests.metrics.shop`, on each engine."""
    load_shop(engine)
    return engine
