"""The shared compilers (event references, filters, breakdowns, math, dates) on the tiny
shop, DuckDB and PostgreSQL: counts read by hand from tests/insights/shop.py."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from sqlglot import exp

from shoplens.engines import Engine
from shoplens.errors import ConfigError, UnsupportedOperationError
from shoplens.insights.compile import (
    Compiled,
    Scope,
    check_engine,
    event_predicate,
    filters_predicate,
    from_events,
    resolve_range,
)
from shoplens.insights.properties import Catalogue
from shoplens.insights.schema import DateRange, PropertyFilter, TrendsQuery
from shoplens.insights.trends import compile_trends


def ids(engine: Engine, *, event: str | None = None, filters: list[Any] | None = None,
        tz: str = "UTC") -> list[int]:
    """The event ids an event reference and filters select."""
    scope = Scope(Catalogue(engine), timezone=tz)
    parts = [event_predicate(scope, event),
             filters_predicate(scope, [PropertyFilter.model_validate(f) for f in filters or []])]
    sel = from_events(scope, exp.select(exp.column("event_id", "e")))
    kept = [p for p in parts if p is not None]
    if kept:
        sel = sel.where(exp.and_(*kept))
    check_engine(engine, scope)
    c = Compiled(sel, scope.binder.params)
    return sorted(int(r[0]) for r in engine.fetch_all(c.query(), c.params or None))


def test_event_references(shop_engine: Engine) -> None:
    assert ids(shop_engine) == list(range(1, 14))
    assert ids(shop_engine, event="payment_done") == [4, 7, 12]
    assert ids(shop_engine, event="action:purchase") == [4, 7, 12]
    assert ids(shop_engine, event="action:view") == [2, 6, 8, 9, 11]
    assert ids(shop_engine, event="stage:checkout") == [13]
    assert ids(shop_engine, event="stage:browse") == [1, 2, 5, 6, 8, 9, 11]
    assert ids(shop_engine, event="action:refund") == [10]


def test_unknown_event_lists_closest(shop_engine: Engine) -> None:
    with pytest.raises(ConfigError, match=r"unknown event 'paymnt_done'.*closest: payment_done"):
        ids(shop_engine, event="paymnt_done")
    with pytest.raises(ConfigError, match=r"unknown action 'purchas'.*purchase"):
        ids(shop_engine, event="action:purchas")


@pytest.mark.parametrize(("flt", "expected"), [
    ({"property": "user.country", "value": "FR"}, [1, 2, 3, 4, 8, 9, 10, 13]),
    ({"property": "country", "operator": "neq", "value": "FR"}, [5, 6, 7, 11, 12]),
    ({"property": "country", "operator": "in", "value": ["DE", "US"]}, [5, 6, 7, 12]),
    ({"property": "country", "operator": "not_in", "value": ["FR"]}, [5, 6, 7, 11, 12]),
    ({"property": "event.utm_source", "operator": "contains", "value": "GOO"}, [1, 8]),
    ({"property": "utm_source", "operator": "not_contains", "value": "o"},
     [2, 3, 4, 5, 6, 7, 9, 10, 12, 13]),
    ({"property": "utm_source", "operator": "regex", "value": "^(news|O')"}, [5, 11]),
    ({"property": "utm_source", "operator": "not_regex", "value": "^g"},
     [2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]),
    ({"property": "utm_source", "value": "O'Hara ads"}, [11]),
    ({"property": "event.price", "operator": "gt", "value": 50}, [2, 3, 4, 8, 10, 11, 12]),
    ({"property": "price", "operator": "lte", "value": "20"}, [6, 7, 9]),
    ({"property": "event.amount", "operator": "gte", "value": 60}, [4, 7]),
    ({"property": "product.brand", "value": "O'Neil"}, [6, 7, 9]),
    ({"property": "category", "operator": "contains", "value": "phone"},
     [2, 3, 4, 8, 10, 11, 12]),
    ({"property": "coupon", "operator": "is_set"}, [4]),
    ({"property": "product_id", "operator": "is_not_set"}, [1, 5, 13]),
    ({"property": "user.signup_date", "operator": "gte", "value": "2026-01-06"},
     [5, 6, 7, 8, 12]),
    ({"property": "user.channel", "value": "google"}, [1, 2, 3, 4, 8, 9, 10, 13]),
    ({"property": "user.device", "value": "desktop"}, [5, 6, 7, 12]),
    ({"property": "session.n_events", "operator": "gte", "value": 5}, [1, 2, 3, 4, 13]),
    ({"property": "time.weekday", "value": 3}, [9, 12]),
    ({"property": "time.hour", "operator": "lt", "value": 9}, [9, 12]),
    ({"property": "event.stage", "value": "conversion"}, [4, 7, 12]),
    ({"property": "user.cohort", "value": "2026-01-01"}, [1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13]),
])
def test_filters(shop_engine: Engine, flt: dict[str, Any], expected: list[int]) -> None:
    assert ids(shop_engine, filters=[flt]) == expected


def test_filter_groups(shop_engine: Engine) -> None:
    group = {"type": "or", "filters": [
        {"property": "country", "value": "DE"},
        {"type": "and", "filters": [{"property": "country", "value": "FR"},
                                    {"property": "event.event_type", "value": "refund"}]}]}
    from shoplens.insights.schema import FilterGroup

    scope = Scope(Catalogue(shop_engine))
    pred = filters_predicate(scope, FilterGroup.model_validate(group))
    sel = from_events(scope, exp.select(exp.column("event_id", "e"))).where(pred)
    rows = shop_engine.fetch_all(Compiled(sel, scope.binder.params).query(), scope.binder.params)
    assert sorted(r[0] for r in rows) == [5, 6, 7, 10, 12]


def test_time_zone_moves_hours_and_days(shop_engine: Engine) -> None:
    # 01-06 22:30 UTC is 01-07 07:30 in Tokyo (a Wednesday), 01-20 23:30 is 01-21 08:30
    assert ids(shop_engine, filters=[{"property": "time.weekday", "value": 3}],
               tz="Asia/Tokyo") == [5, 6, 7, 9, 11, 12]


def test_bad_properties_and_values(shop_engine: Engine) -> None:
    with pytest.raises(ConfigError, match=r"unknown property 'user.contry'.*user.country"):
        ids(shop_engine, filters=[{"property": "user.contry", "value": "FR"}])
    with pytest.raises(ConfigError, match=r"unknown property 'utm_sorce'.*utm_source"):
        ids(shop_engine, filters=[{"property": "utm_sorce", "value": "x"}])
    with pytest.raises(ConfigError, match=r"event.price is a number property; 'cheap'"):
        ids(shop_engine, filters=[{"property": "price", "operator": "gt", "value": "cheap"}])
    with pytest.raises(ConfigError, match=r"user.signup_date is a date property"):
        ids(shop_engine, filters=[{"property": "signup_date", "value": "soon"}])
    with pytest.raises(ConfigError, match=r"contains needs a text property"):
        ids(shop_engine, filters=[{"property": "price", "operator": "contains", "value": "1"}])


def test_engine_that_cannot_answer_fails_before_running(shop_engine: Engine) -> None:
    class NoRegex(type(shop_engine)):  # type: ignore[misc]
        insight_unsupported: ClassVar[dict[str, str]] = {"regex": "a regular expression"}

    shop_engine.__class__, cls = NoRegex, shop_engine.__class__
    try:
        with pytest.raises(UnsupportedOperationError,
                           match=r"filters \(utm_source regex\).*regular expression.*"):
            ids(shop_engine, filters=[{"property": "utm_source", "operator": "regex",
                                       "value": "g"}])
    finally:
        shop_engine.__class__ = cls


def test_relative_dates_count_back_from_the_last_day_with_data(shop_engine: Engine) -> None:
    d = dt.datetime
    r = resolve_range(shop_engine, DateRange(date_from="-7d"))
    assert (r.start, r.end) == (d(2026, 1, 14), d(2026, 1, 22))
    r = resolve_range(shop_engine, DateRange())
    assert (r.start, r.end) == (d(2026, 1, 5), d(2026, 1, 22))
    r = resolve_range(shop_engine, DateRange(date_from="this month"))
    assert (r.start, r.end) == (d(2026, 1, 1), d(2026, 1, 22))
    r = resolve_range(shop_engine, DateRange(date_from="last week"))
    assert (r.start, r.end) == (d(2026, 1, 12), d(2026, 1, 19))
    r = resolve_range(shop_engine, DateRange(date_from="last quarter"))
    assert (r.start, r.end) == (d(2025, 10, 1), d(2026, 1, 1))
    r = resolve_range(shop_engine, DateRange(date_from="2026-01-06", date_to="2026-01-13"))
    assert (r.start, r.end) == (d(2026, 1, 6), d(2026, 1, 14))
    r = resolve_range(shop_engine, DateRange(date_from="2026-01-06", timezone="Asia/Tokyo"))
    assert r.start_utc == d(2026, 1, 5, 15) and r.end == d(2026, 1, 22)
    with pytest.raises(ConfigError, match=r"date_range.date_from: 'soonish' is not a date"):
        resolve_range(shop_engine, DateRange(date_from="soonish"))


def rows(engine: Engine, doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    c = compile_trends(engine, TrendsQuery.model_validate(doc))
    df = c.fetch_df(engine)
    out = []
    for r in df.itertuples(index=False):
        d = r._asdict()
        bucket = str(d.pop("bucket"))[:10]
        value = d.pop("value")
        out.append((d.pop("series"), bucket, *d.values(), None if value != value else value))
    return sorted(out, key=lambda t: tuple(str(x) for x in t))


def test_math(shop_engine: Engine) -> None:
    week = {"interval": "week"}
    assert rows(shop_engine, {**week, "series": [{"math": "unique_users"}]}) == [
        (0, "2026-01-05", 0, 2.0), (0, "2026-01-12", 0, 2.0), (0, "2026-01-19", 0, 2.0)]
    assert rows(shop_engine, {**week, "series": [
        {"event": "action:purchase", "math": "sum", "math_property": "revenue"},
        {"event": "action:refund", "math": "sum", "math_property": "revenue"}]}) == [
        (0, "2026-01-05", 0, 150.0), (0, "2026-01-19", 0, 200.0), (1, "2026-01-12", 0, -90.0)]
    assert rows(shop_engine, {**week, "series": [
        {"event": "view", "math": "median", "math_property": "price"},
        {"event": "view", "math": "p90", "math_property": "price"}]}) == [
        (0, "2026-01-05", 0, 60.0), (0, "2026-01-12", 0, 60.0), (0, "2026-01-19", 0, 100.0),
        (1, "2026-01-05", 0, 92.0), (1, "2026-01-12", 0, 92.0), (1, "2026-01-19", 0, 100.0)]
    assert rows(shop_engine, {"interval": "month", "series": [
        {"math": "per_user_avg"}, {"math": "unique_sessions"},
        {"event": "action:purchase", "math": "avg", "math_property": "quantity"}]}) == [
        (0, "2026-01-01", 0, 13 / 4), (1, "2026-01-01", 0, 5.0), (2, "2026-01-01", 0, 2.0)]


def test_breakdown_top_n_and_other(shop_engine: Engine) -> None:
    doc = {"interval": "month", "series": [{"math": "total"}],
           "breakdowns": [{"property": "country", "limit": 1}]}
    # FR 8 events, DE 4, u5 (no user row) 1: FR kept, DE and NULL are "other"
    assert rows(shop_engine, doc) == [(0, "2026-01-01", "FR", 0, 8.0),
                                      (0, "2026-01-01", None, 1, 5.0)]
    doc["breakdowns"] = [{"property": "country", "limit": 2}]
    assert rows(shop_engine, doc) == [(0, "2026-01-01", "DE", 0, 4.0),
                                      (0, "2026-01-01", "FR", 0, 8.0),
                                      (0, "2026-01-01", None, 1, 1.0)]
    doc = {"interval": "month", "series": [{"math": "unique_users"}],
           "breakdowns": [{"property": "country", "limit": 1},
                          {"property": "time.weekday"}]}
    # the cut applies to country only; weekdays stay apart inside "other"
    assert [(r[2], int(r[3]), r[4], r[5]) for r in rows(shop_engine, doc)] == [
        ("FR", 1, 0, 1.0), ("FR", 2, 0, 1.0), ("FR", 3, 0, 1.0), ("FR", 4, 0, 1.0),
        (None, 2, 1, 2.0), (None, 3, 1, 1.0)]
