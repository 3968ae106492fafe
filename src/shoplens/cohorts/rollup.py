"""The cohort matrices read the metrics' user-day rollup, ``rollup_user_day``.

A retention matrix needs, per user, the days with activity, purchases, orders and
revenue; grouping ten million events by user and day is most of the cost of a matrix
and does not depend on its parameters. One rollup serves the active-user metrics, the
cohorts and the insight planner: :mod:`shoplens.metrics.rollups` keeps it current on
every load (inside the load's transaction), re-derives the revenue of the days a list
price change touches, and rebuilds it before a read when events were written some
other way. This module only names that rollup for the cohort code.
"""

from __future__ import annotations

from shoplens.engines import Engine

TABLE = "rollup_user_day"


def ensure_fresh(engine: Engine) -> None:
    """The user-day rollup exists and was derived from the events as they are now."""
    from shoplens.metrics import rollups

    with engine.transaction():
        rollups.ensure_fresh(engine)


def rebuild(engine: Engine) -> None:
    """Derive every rollup again from the events (one transaction)."""
    from shoplens.metrics import rollups

    rollups.rebuild(engine)
