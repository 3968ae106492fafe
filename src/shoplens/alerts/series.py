"""Daily series of a watched metric, in total and by the values of a breakdown property.

Until the trends runner (``shoplens.insights.run``) is merged, the subset of a trends
query that alerts need is compiled here with SQLGlot: event references (any event, a raw
name, ``action:NAME``, ``stage:NAME``), ``total`` / ``unique_users`` /
``unique_sessions`` / ``sum`` of ``revenue`` or ``price``, no filters, and one breakdown
property. Values are bound, never pasted into the SQL. Each series comes back as one
column per query series (``A``, ``B`` ...) so that a ratio keeps its numerator and
denominator apart, which the root cause needs.
"""

from __future__ import annotations

import difflib
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlglot import exp

from shoplens.engines import Engine
from shoplens.errors import UnsupportedOperationError
from shoplens.events.stages import ACTION_STAGE, EVENT_TYPE_ACTION
from shoplens.insights.schema import EventSeries, TrendsQuery

#: breakdown property -> (join needed, column expression)
BREAKDOWNS: dict[str, tuple[str | None, str, str]] = {
    "user.country": ("u", "country", "country"),
    "product.category": ("p", "category", "category"),
    "product.brand": ("p", "brand", "brand"),
    "event.type": ("e", "event_type", "event type"),
    "event.name": ("e", "raw_event", "event"),
}
ALIASES = {"country": "user.country", "category": "product.category", "brand": "product.brand",
           "event_type": "event.type", "type": "event.type", "event": "event.name",
           "raw_event": "event.name"}
_JOINS = {
    "u": ("users", "u", ("user_id", "user_id")),
    "p": ("products", "p", ("product_id", "product_id")),
}


def resolve_breakdown(prop: str) -> str:
    """The canonical name of a breakdown property, or an error listing the known ones."""
    key = ALIASES.get(prop.strip(), prop.strip())
    if key in BREAKDOWNS:
        return key
    known = [*BREAKDOWNS, *ALIASES]
    close = difflib.get_close_matches(prop, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UnsupportedOperationError(
        f"--breakdown: unknown property {prop!r}{hint}; alerts break down by "
        f"{', '.join(BREAKDOWNS)}")


def breakdown_label(prop: str) -> str:
    return BREAKDOWNS[prop][2]


def data_range(engine: Engine) -> tuple[date, date] | None:
    """First and last day with events, or ``None`` for an empty database."""
    row = engine.fetch_all("SELECT MIN(event_time), MAX(event_time) FROM events")[0]
    if row[0] is None:
        return None
    return pd.Timestamp(row[0]).date(), pd.Timestamp(row[1]).date()


def _event_condition(series: EventSeries, params: dict[str, Any], n: int) -> exp.Expression | None:
    ref = series.event
    if ref is None:
        return None
    if ref.startswith(("action:", "stage:")):
        kind, name = ref.split(":", 1)
        types = [t for t, action in EVENT_TYPE_ACTION.items()
                 if (action if kind == "action" else ACTION_STAGE[action]) == name]
        if not types:
            return exp.false()
        keys = []
        for j, t in enumerate(types):
            params[f"t{n}_{j}"] = t
            keys.append(exp.Placeholder(this=f"t{n}_{j}"))
        return exp.column("event_type", "e").isin(*keys)
    params[f"ev{n}"] = ref
    return exp.column("raw_event", "e").eq(exp.Placeholder(this=f"ev{n}"))


def _value(series: EventSeries, cond: exp.Expression | None) -> tuple[exp.Expression, set[str]]:
    """Aggregate of one series, restricted to its events by a CASE when there are several."""
    def when(expr: exp.Expression) -> exp.Expression:
        return expr if cond is None else exp.Case(ifs=[exp.If(this=cond, true=expr)])

    math, prop = series.math, (series.math_property or "").removeprefix("event.")
    if series.filters:
        raise UnsupportedOperationError(
            "alerts: series filters need the trends runner (shoplens.insights.run), which "
            "this build does not have yet; watch the series without filters")
    if math == "total":
        return exp.Count(this=when(exp.Literal.number(1))), set()
    if math == "unique_users":
        return exp.Count(this=exp.Distinct(expressions=[when(exp.column("user_id", "e"))])), set()
    if math == "unique_sessions":
        return exp.Count(this=exp.Distinct(expressions=[when(exp.column("session_id", "e"))])), set()
    if math == "sum" and prop in ("revenue", "price"):
        price = exp.func("COALESCE", exp.column("price", "e"), exp.column("price", "p"))
        line = exp.Mul(this=price, expression=exp.column("quantity", "e")) if prop == "revenue" \
            else price
        if prop == "revenue":  # signed: refunds count negative
            sign = exp.Case(ifs=[exp.If(this=exp.column("event_type", "e").eq(exp.Literal.string(
                "refund")), true=exp.Literal.number(-1))], default=exp.Literal.number(1))
            line = exp.Mul(this=sign, expression=line)
        return exp.func("COALESCE", exp.Sum(this=when(line)), exp.Literal.number(0)), {"p"}
    raise UnsupportedOperationError(
        f"alerts: math {math!r}{f' of {prop!r}' if prop else ''} needs the trends runner "
        "(shoplens.insights.run); this build watches total, unique_users, unique_sessions "
        "and sum of revenue or price")


def series_sql(query: TrendsQuery, breakdown: str | None = None
               ) -> tuple[str, dict[str, Any], list[str]]:
    """SQL (source dialect), bound values and series columns of a daily series."""
    if query.filters:
        raise UnsupportedOperationError(
            "alerts: query filters need the trends runner (shoplens.insights.run), which "
            "this build does not have yet")
    if query.interval != "day":
        raise UnsupportedOperationError("alerts watch daily series: use interval 'day'")
    params: dict[str, Any] = {}
    joins: set[str] = set()
    conds, cols = [], []
    select: list[exp.Expression] = [exp.cast(exp.column("event_time", "e"), "DATE").as_("day")]
    for i, s in enumerate(query.series):
        cond = _event_condition(s, params, i)
        conds.append(cond)
        value, need = _value(s, cond if len(query.series) > 1 else None)
        joins |= need
        name = chr(65 + i)
        cols.append(name)
        select.append(exp.alias_(value, name, quoted=True))
    group: list[exp.Expression] = [exp.column("day")]
    if breakdown:
        alias, column, _ = BREAKDOWNS[breakdown]
        if alias != "e":
            joins.add(alias)
        select.insert(1, exp.column(column, alias).as_("value"))
        group.append(exp.column("value"))
    q = exp.select(*select).from_("events AS e")
    for alias in sorted(joins):
        table, a, (left, right) = _JOINS[alias]
        q = q.join(exp.to_table(table).as_(a), join_type="LEFT",
                   on=exp.column(right, a).eq(exp.column(left, "e")))
    where = [exp.column("event_time", "e") >= exp.Placeholder(this="lo"),
             exp.column("event_time", "e") < exp.Placeholder(this="hi")]
    if all(c is not None for c in conds):
        where.append(exp.or_(*conds) if len(conds) > 1 else conds[0])
    q = q.where(exp.and_(*where)).group_by(*group)
    return q.sql("postgres"), params, cols


def fetch_series(engine: Engine, query: TrendsQuery, lo: date, hi: date,
                 breakdown: str | None = None) -> pd.DataFrame:
    """Daily values from ``lo`` to ``hi`` (inclusive) of each query series.

    Returns a frame indexed by day (every day of the range; a day without rows is 0 for
    counts and sums: the data-quality checks report days without events separately)
    with one column per series, or, with ``breakdown``, a frame with columns ``day``,
    ``value`` (the property's value, ``(none)`` for missing) and the series columns.
    """
    sql, params, cols = series_sql(query, breakdown)
    params |= {"lo": pd.Timestamp(lo).to_pydatetime(),
               "hi": pd.Timestamp(hi + timedelta(days=1)).to_pydatetime()}
    df = engine.fetch_df(sql, params)
    df["day"] = pd.to_datetime(df["day"])
    for c in cols:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float).fillna(0.0)
    days = pd.date_range(pd.Timestamp(lo), pd.Timestamp(hi), freq="D", name="day")
    if breakdown is None:
        return df.set_index("day")[cols].reindex(days, fill_value=0.0)
    df["value"] = df["value"].astype(object).where(df["value"].notna(), "(none)").astype(str)
    return df[["day", "value", *cols]]


def event_type_counts(engine: Engine, lo: date, hi: date) -> pd.DataFrame:
    """Events per day and raw event name (day x name, zeros where none)."""
    q = (exp.select(exp.cast(exp.column("event_time"), "DATE").as_("day"),
                    exp.column("raw_event").as_("name"), exp.Count(this=exp.Star()).as_("n"))
         .from_("events")
         .where(exp.and_(exp.column("event_time") >= exp.Placeholder(this="lo"),
                         exp.column("event_time") < exp.Placeholder(this="hi")))
         .group_by(exp.column("day"), exp.column("name")))
    df = engine.fetch_df(q.sql("postgres"), {
        "lo": pd.Timestamp(lo).to_pydatetime(),
        "hi": pd.Timestamp(hi + timedelta(days=1)).to_pydatetime()})
    df["day"] = pd.to_datetime(df["day"])
    days = pd.date_range(pd.Timestamp(lo), pd.Timestamp(hi), freq="D", name="day")
    wide = df.pivot_table(index="day", columns="name", values="n", aggfunc="sum")
    return wide.reindex(days).fillna(0.0).astype(float)
