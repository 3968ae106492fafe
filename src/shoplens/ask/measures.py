"""What a question measures: the words for actions (bought, viewed, added to cart) and
for quantities (people, orders, revenue, average order value), as query-model series."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shoplens.insights.schema import EventSeries

#: action words -> (canonical action reference, past-tense verb for answers)
ACTION_WORDS: tuple[tuple[str, str, str], ...] = (
    (r"\b(added (it |them |something |items? |products? )?to (the )?(cart|basket)|add(ed|s|ing)?"
     r"[- ]to[- ]carts?|carted|carts?\b|baskets?\b)", "action:cart", "added to cart"),
    (r"\b(removed|removals?|remove[ds]? from (the )?cart|took out of)", "action:remove",
     "removed from cart"),
    (r"\b(refund(s|ed)?|returns? (of|on)|returned (items|products|goods|orders))",
     "action:refund", "got a refund"),
    (r"\b(bought|buy(s|ing)?|buyers?|purchas(e|es|ed|ing|ers?)|ordered|paid|checked out|"
     r"customers? who (bought|ordered))", "action:purchase", "bought"),
    (r"\b(view(s|ed|ing|ers?)?|visit(s|ed|ors?)?|look(ed)? at|brows(e|ed|ing)|saw|"
     r"page ?views?|product pages?|impressions?)\b", "action:view", "viewed"),
)


@dataclass
class Measure:
    """The series a question measures, and how to speak of the number."""

    series: list[EventSeries]
    label: str
    unit: str = "count"  # count, money, ratio
    formula: str | None = None
    notes: list[str] = field(default_factory=list)


def actions_in(text: str) -> list[tuple[int, str, str]]:
    """``(position, action reference, verb)`` of each action named, in order."""
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, ref, verb in ACTION_WORDS:
        for m in re.finditer(pattern, text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            found.append((m.start(), ref, verb))
    found.sort()
    return found


def _revenue(filters: list) -> EventSeries:
    return EventSeries(event="action:purchase", name="revenue", math="sum",
                       math_property="revenue", filters=filters)


def _orders(filters: list) -> EventSeries:
    return EventSeries(event="action:purchase", name="orders", math="unique_sessions",
                       filters=filters)


def measure_of(text: str, raw_event: str | None = None) -> Measure:
    """The measure a (lower-cased) question asks about."""
    acts = actions_in(text)
    action, verb = (acts[0][1], acts[0][2]) if acts else (None, None)
    if raw_event:
        action, verb = raw_event, f"did {raw_event}"
    if re.search(r"\b(average order value|aov|average (basket|order)( size| value)?|"
                 r"basket size|average spend per order)\b", text):
        return Measure([_revenue([]), _orders([])], "average order value", "money", "A / B")
    if re.search(r"\b(revenue|sales|turnover|gmv|income|earn(ed|ings)?|money|"
                 r"how much (did|do|have) we (make|sell|sold|earn)|takings)\b", text) and \
            not re.search(r"\bhow many sales\b", text):
        return Measure([_revenue([])], "revenue", "money")
    if re.search(r"\b(units?|items sold|quantity|pieces|sold|sell(s|ing)?|best[- ]sellers?)\b",
                 text):
        return Measure([EventSeries(event="action:purchase", name="units sold", math="sum",
                                    math_property="quantity")], "units sold")
    if re.search(r"\b(orders|transactions|how many sales|checkouts)\b", text) and \
            not re.search(r"\b(people|users|customers|shoppers|buyers|who)\b", text):
        return Measure([_orders([])], "orders")
    if re.search(r"\b(active users|actives|dau|wau|mau|active (shoppers|customers))\b", text):
        return Measure([EventSeries(name="active users", math="unique_users")], "active users")
    people = re.search(r"\b(people|persons|users|customers|shoppers|buyers|visitors|viewers|"
                       r"who|clients|purchasers)\b", text)
    if people:
        if action is None:
            return Measure([EventSeries(name="active users", math="unique_users")],
                           "active users")
        return Measure([EventSeries(event=action, name=f"users who {verb}",
                                    math="unique_users")], f"users who {verb}")
    if action is not None:
        noun = {"action:purchase": "purchases", "action:view": "views",
                "action:cart": "add-to-cart events", "action:remove": "removals",
                "action:refund": "refunds"}.get(action, f"{action} events")
        return Measure([EventSeries(event=action, name=noun, math="total")], noun)
    return Measure([EventSeries(name="events", math="total")], "events",
                   notes=["no measure named: counting all events"])
