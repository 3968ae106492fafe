"""One small generated shop per engine with its rollups built, for the whole session:
planner tests only read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shoplens.engines import Engine, connect
from shoplens.metrics import rollups
from shoplens.metrics.synthetic import write_shop

EVENTS = 4_000
DAYS = 70


def derive_sessions(engine: Engine) -> None:
    """The sessions a load derives from the events (the generated shop writes none), so
    that session properties have values to filter on."""
    engine.execute(
        "INSERT INTO sessions (session_id, user_id, session_start, session_end, n_events) "
        "SELECT session_id, MIN(user_id), MIN(event_time), MAX(event_time), COUNT(*) "
        "FROM events WHERE session_id IS NOT NULL GROUP BY session_id")


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def planner_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[Engine]:
    if request.param == "duckdb":
        url = f"duckdb:{tmp_path_factory.mktemp('planner') / 'shop.duckdb'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    engine = connect(url)
    try:
        engine.init_schema()
        write_shop(engine, EVENTS, days=DAYS, seed=5)
        derive_sessions(engine)
        rollups.rebuild(engine)
        yield engine
    finally:
        engine.close()
