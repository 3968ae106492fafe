"""The relation every insight reads: ``events AS e`` with the joins its properties need.

Each join keeps one row per event (LEFT JOIN on a key that is unique on the other
side), so counts never change with the properties asked for:

- ``products AS p`` on ``product_id``; ``users AS u`` and ``user_segments AS us`` on
  ``user_id``; ``sessions AS s`` on ``session_id``; ``event_taxonomy AS t`` on
  ``raw_event``;
- ``fp``: each user's first purchase time (``MIN(event_time)`` of their purchases);
- ``ft_<name>``: the first non-empty value of one ``events.properties`` key among a
  user's events (first touch: ``user.channel``, ``user.device``).
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.insights.compile.context import Scope
from shoplens.insights.properties import EVENTS, json_text

_SIMPLE = {
    "products": ("products", "p", "p.product_id = e.product_id"),
    "users": ("users", "u", "u.user_id = e.user_id"),
    "segments": ("user_segments", "us", "us.user_id = e.user_id"),
    "sessions": ("sessions", "s", "s.session_id = e.session_id"),
    "taxonomy": ("event_taxonomy", "t", "t.raw_event = e.raw_event"),
}
_ORDER = ("products", "users", "segments", "sessions", "taxonomy", "first_purchase")


def _first_purchase() -> exp.Expression:
    return exp.select("user_id", exp.func("MIN", exp.column("event_time")).as_("first_purchase")
                      ).from_("events").where("event_type = 'purchase'").group_by("user_id")


def _first_touch(key: str) -> exp.Expression:
    """The first non-empty value of ``key`` in each user's events (ties: lowest id)."""
    value = json_text(key, "x")
    ranked = (
        exp.select(
            exp.column("user_id", "x"), value.as_("value"),
            exp.Window(this=exp.RowNumber(), partition_by=[exp.column("user_id", "x")],
                       order=exp.Order(expressions=[exp.column("event_time", "x"),
                                                    exp.column("event_id", "x")])
                       ).as_("rn"))
        .from_(exp.to_table("events").as_("x"))
        .where(exp.and_(value.copy().is_(exp.null()).not_(),
                        exp.NEQ(this=value.copy(), expression=exp.Literal.string(""))))
    )
    return exp.select("user_id", "value").from_(ranked.subquery("r")).where("rn = 1")


def join_order(joins: dict[str, None]) -> list[str]:
    return sorted(joins, key=lambda j: (_ORDER.index(j) if j in _ORDER else len(_ORDER), j))


def from_events(scope: Scope, select: exp.Select) -> exp.Select:
    """``select`` reading ``events AS e`` with every join ``scope`` recorded."""
    select = select.from_(exp.to_table("events").as_(EVENTS))
    for join in join_order(scope.joins):
        if join in _SIMPLE:
            table, alias, on = _SIMPLE[join]
            select = select.join(exp.to_table(table).as_(alias), on=on, join_type="left")
        elif join == "first_purchase":
            select = select.join(_first_purchase().subquery("fp"),
                                 on="fp.user_id = e.user_id", join_type="left")
        elif join.startswith("first_touch:"):
            _, name, key = join.split(":", 2)
            alias = f"ft_{name}"
            select = select.join(_first_touch(key).subquery(alias),
                                 on=f"{alias}.user_id = e.user_id", join_type="left")
        else:  # pragma: no cover - a property naming a join this module does not know
            raise ValueError(f"unknown join {join!r}")
    return select
