"""Event references, property references, filters and dates as SQLGlot expressions.

A small local stand-in for the shared compilers of :mod:`shoplens.insights.properties`
and :mod:`shoplens.insights.compile`: it reads the same references the query model
defines (``purchase``, ``action:cart``, ``stage:checkout``; ``event.price``,
``product.category``, ``user.country``, ``event.<json key>``) over the events joined
with their taxonomy (``t``), products (``p``) and users (``u``). Every value is a bound
placeholder (:class:`Binder`); only names ShopLens itself chose appear in the SQL.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlglot import exp

from shoplens.errors import ConfigError
from shoplens.insights.schema import DateRange, FilterGroup, PropertyFilter

#: columns of ``events`` a property reference may name directly
EVENT_COLUMNS = ("price", "quantity", "product_id", "raw_event", "event_type", "session_id",
                 "user_id", "event_time")
PRODUCT_COLUMNS = ("category", "brand", "name", "price", "category_id")
USER_COLUMNS = ("country", "signup_date")
_JSON_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


@dataclass
class Binder:
    """Collects bound values; hands out ``:f0``, ``:f1`` ... placeholders."""

    prefix: str = "f"
    values: dict[str, Any] = field(default_factory=dict)

    def __call__(self, value: Any) -> exp.Placeholder:
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = value
        return exp.Placeholder(this=name)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


@dataclass(frozen=True)
class Property:
    """A resolved property: its SQL over ``e``/``p``/``u`` and the joins it needs."""

    ref: str
    expr: exp.Expression
    joins: frozenset[str]
    numeric: bool = False


def resolve_property(ref: str, json_keys: frozenset[str] | None = None) -> Property:
    """``event.price``, ``product.category``, ``user.country``, ``event.<json key>``; a
    bare name resolves to the one kind that has it."""
    kind, _, name = ref.partition(".")
    if not name:
        kind, name = _bare_kind(ref, json_keys)
    if kind == "event":
        if name in EVENT_COLUMNS:
            return Property(ref, col(name, "e"), frozenset(),
                            numeric=name in ("price", "quantity"))
        if name == "revenue":
            return Property(ref, _revenue(), frozenset({"p", "t"}), numeric=True)
        if json_keys is not None and name not in json_keys:
            raise _unknown(ref, json_keys)
        if not _JSON_KEY.match(name):
            raise ConfigError(f"property {ref!r}: not a property name")
        return Property(ref, exp.JSONExtractScalar(
            this=exp.cast(col("properties", "e"), "json"),
            expression=exp.Literal.string(name)), frozenset())
    if kind == "product" and name in PRODUCT_COLUMNS:
        return Property(ref, col(name, "p"), frozenset({"p"}), numeric=name == "price")
    if kind == "user" and name in USER_COLUMNS:
        return Property(ref, col(name, "u"), frozenset({"u"}))
    raise _unknown(ref, json_keys or frozenset())


def _revenue() -> exp.Expression:
    price = exp.func("COALESCE", col("price", "e"), col("price", "p"))
    sign = exp.Case(ifs=[exp.If(this=exp.EQ(this=col("action", "t"), expression=exp.Literal.string(
        "refund")), true=exp.Literal.number(-1))], default=exp.Literal.number(1))
    return exp.Mul(this=exp.Mul(this=price, expression=col("quantity", "e")), expression=sign)


def _bare_kind(name: str, json_keys: frozenset[str] | None) -> tuple[str, str]:
    kinds = [k for k, cols in (("event", EVENT_COLUMNS), ("product", PRODUCT_COLUMNS),
                               ("user", USER_COLUMNS)) if name in cols]
    if name == "revenue":
        kinds = ["event"]
    if not kinds and json_keys and name in json_keys:
        kinds = ["event"]
    if len(kinds) == 1:
        return kinds[0], name
    if len(kinds) > 1:
        raise ConfigError(f"property {name!r} is ambiguous: say "
                          + " or ".join(f"{k}.{name}" for k in kinds))
    raise _unknown(name, json_keys or frozenset())


def known_properties(json_keys: frozenset[str]) -> list[str]:
    return ([f"event.{c}" for c in EVENT_COLUMNS] + ["event.revenue"]
            + [f"product.{c}" for c in PRODUCT_COLUMNS] + [f"user.{c}" for c in USER_COLUMNS]
            + sorted(f"event.{k}" for k in json_keys))


def _unknown(ref: str, json_keys: frozenset[str]) -> ConfigError:
    names = known_properties(json_keys)
    close = difflib.get_close_matches(ref, names, n=3, cutoff=0.5) or difflib.get_close_matches(
        ref.rpartition(".")[2], [n.rpartition(".")[2] for n in names], n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return ConfigError(f"unknown property {ref!r}{hint}")


# -- event references -------------------------------------------------------------------
def event_condition(ref: str | None, bind: Binder) -> exp.Expression:
    """The condition an event reference puts on ``e`` (raw name) or ``t`` (taxonomy)."""
    if ref is None:
        return exp.true()
    if ref.startswith("action:"):
        return exp.EQ(this=col("action", "t"), expression=bind(ref[len("action:"):]))
    if ref.startswith("stage:"):
        return exp.EQ(this=col("stage", "t"), expression=bind(ref[len("stage:"):]))
    return exp.EQ(this=col("raw_event", "e"), expression=bind(ref))


def uses_taxonomy(ref: str | None) -> set[str]:
    """``{"t"}`` when the reference needs the event taxonomy joined."""
    return {"t"} if ref and ref.startswith(("action:", "stage:")) else set()


# -- filters -------------------------------------------------------------------------------
def filters_condition(filters: list[PropertyFilter | FilterGroup], bind: Binder,
                      json_keys: frozenset[str] | None = None, *, kind: str = "and",
                      ) -> tuple[exp.Expression, frozenset[str]]:
    """One condition for a list of filters and the joins it needs."""
    parts: list[exp.Expression] = []
    joins: set[str] = set()
    for f in filters:
        if isinstance(f, FilterGroup):
            cond, j = filters_condition(f.filters, bind, json_keys, kind=f.type)
        else:
            cond, j = _filter(f, bind, json_keys)
        parts.append(cond)
        joins |= j
    if not parts:
        return exp.true(), frozenset()
    joined = exp.and_(*parts) if kind == "and" else exp.or_(*parts)
    return exp.paren(joined, copy=False), frozenset(joins)


def _filter(f: PropertyFilter, bind: Binder, json_keys: frozenset[str] | None,
            ) -> tuple[exp.Expression, frozenset[str]]:
    prop = resolve_property(f.property, json_keys)
    x, op, v = prop.expr, f.operator, f.value
    numeric = prop.numeric or (isinstance(v, int | float) and not isinstance(v, bool))
    if numeric and prop.expr.find(exp.JSONExtractScalar):
        x = exp.cast(x, "double")

    def val(value: Any) -> exp.Expression:
        return bind(value)

    if op == "is_set":
        return exp.Not(this=exp.Is(this=x, expression=exp.null())), prop.joins
    if op == "is_not_set":
        return exp.Is(this=x, expression=exp.null()), prop.joins
    if op in ("in", "not_in"):
        cond: exp.Expression = exp.In(this=x, expressions=[val(i) for i in v])  # type: ignore[union-attr]
        return (exp.Not(this=cond) if op == "not_in" else cond), prop.joins
    if op in ("contains", "not_contains"):
        like = exp.ILike(this=exp.cast(x, "text"),
                         expression=exp.DPipe(this=exp.DPipe(this=exp.Literal.string("%"),
                                                             expression=val(_like_escape(v))),
                                              expression=exp.Literal.string("%")))
        return (exp.Not(this=like) if op == "not_contains" else like), prop.joins
    if op in ("regex", "not_regex"):
        rx = exp.RegexpLike(this=exp.cast(x, "text"), expression=val(v))
        return (exp.Not(this=rx) if op == "not_regex" else rx), prop.joins
    cls = {"eq": exp.EQ, "neq": exp.NEQ, "gt": exp.GT, "gte": exp.GTE, "lt": exp.LT,
           "lte": exp.LTE}[op]
    if not numeric and not isinstance(v, bool):
        x = exp.cast(x, "text")
        v = str(v)
    cond = cls(this=x, expression=val(v))
    if op == "neq":  # a missing value is "not equal" too
        cond = exp.or_(cond, exp.Is(this=x, expression=exp.null()))
    return cond, prop.joins


def _like_escape(v: Any) -> str:
    return str(v).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- dates ---------------------------------------------------------------------------------
_RELATIVE = re.compile(r"^-(\d+)([dwmy])$")


def resolve_dates(dr: DateRange, data_first: datetime | None, data_last: datetime | None,
                  ) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of the range as naive UTC times; None: unbounded."""
    anchor = (datetime.combine(date.today(), datetime.min.time()) if dr.anchor == "today"
              else datetime.combine((data_last or datetime.now()).date(), datetime.min.time()))
    start = _point(dr.date_from, anchor, end=False) if dr.date_from else None
    end = _point(dr.date_to, anchor, end=True) if dr.date_to else None
    if start and end and start >= end:
        raise ConfigError(f"date_from {dr.date_from!r} is not before date_to {dr.date_to!r}")
    return start, end


def _point(text: str, anchor: datetime, *, end: bool) -> datetime | None:
    t = text.strip().lower()
    day = timedelta(days=1)
    if t == "all":
        return None
    if t == "today":
        return anchor + day if end else anchor
    if t == "yesterday":
        return anchor if end else anchor - day
    m = _RELATIVE.match(t)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * n
        return anchor + day if end else anchor - timedelta(days=days - 1)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"date {text!r}: use YYYY-MM-DD, -30d, today or all") from None
    if end and len(text.strip()) <= 10:  # a whole day: its end is the next midnight
        value += day
    return value.replace(tzinfo=None)
