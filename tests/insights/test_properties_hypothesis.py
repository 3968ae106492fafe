"""Invariants of trends over random queries on the tiny shop (DuckDB and PostgreSQL):
splitting by any property, with any top-N cut, never changes an additive total, and a
filter and its negation (with "is not set") partition the events."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shoplens as sl
from shoplens.engines import Engine

BREAKDOWNS = ["user.country", "product.category", "product.brand", "event.utm_source",
              "time.weekday", "time.hour", "event.stage", "user.channel", "session.n_events"]
EVENTS = [None, "view", "action:purchase", "stage:browse", "payment_done"]
MATHS = [("total", None), ("sum", "revenue"), ("sum", "quantity")]
FILTERS = [("user.country", "FR"), ("product.brand", "Acme"), ("event.utm_source", "google"),
           ("event.event_type", "view")]

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _total(r: Any) -> float:
    return sum(s["total"] or 0 for s in r.to_dict()["series"])


@SETTINGS
@given(event=st.sampled_from(EVENTS), math=st.sampled_from(MATHS),
       breakdown=st.sampled_from(BREAKDOWNS), limit=st.integers(1, 4),
       interval=st.sampled_from(["day", "week", "month"]))
def test_breakdowns_keep_additive_totals(shop_engine: Engine, event: str | None,
                                         math: tuple[str, str | None], breakdown: str,
                                         limit: int, interval: str) -> None:
    kw = {"event": event, "math": math[0], "math_property": math[1], "interval": interval}
    whole = sl.trends(shop_engine, **kw)
    split = sl.trends(shop_engine, breakdown=breakdown, breakdown_limit=limit, **kw)
    assert abs(_total(split) - _total(whole)) < 1e-9
    values = [s["breakdown_value"] for s in split.to_dict()["series"]]
    assert len([v for v in values if v != "(other)"]) <= max(limit, 24)


@SETTINGS
@given(flt=st.sampled_from(FILTERS), interval=st.sampled_from(["week", "month"]))
def test_a_filter_and_its_negation_partition_the_events(shop_engine: Engine,
                                                        flt: tuple[str, str],
                                                        interval: str) -> None:
    prop, value = flt
    every = _total(sl.trends(shop_engine, interval=interval))
    yes = _total(sl.trends(shop_engine, where=f"{prop}={value}", interval=interval))
    no = _total(sl.trends(shop_engine, where=f"{prop}!={value}", interval=interval))
    assert yes + no == every and yes > 0
