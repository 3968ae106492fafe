"""Questions a growth team asks, each with the query that answers it, written by hand.

The generated shop of ``conftest.py`` covers 2024 (its last day, the anchor of relative
periods, is 2024-12-31). A question is answered right when the parser's queries give the
same numbers as the hand-written ones here (``expected``); a question the data cannot
answer must be recognised as such (``UNANSWERABLE``), and one in another language must
be refused (``FOREIGN``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shoplens.ask.parser import Interpretation
from shoplens.insights.schema import (
    Breakdown,
    DateRange,
    EventSeries,
    FunnelsQuery,
    FunnelStep,
    LifecycleQuery,
    PropertyFilter,
    RetentionQuery,
    StickinessQuery,
    TrendsQuery,
)

ELECTRONICS = ["electronics.clocks", "electronics.video.tv", "electronics.tablet",
               "electronics.camera.photo", "electronics.audio.headphone",
               "electronics.smartphone", "electronics.audio.acoustic"]
APPAREL = ["apparel.jeans", "apparel.underwear", "apparel.shirt", "apparel.jacket",
           "apparel.shoes", "apparel.shoes.sandals", "apparel.dress"]

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_LAST = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def month(name: str) -> tuple[str, str]:
    m = MONTHS[name]
    return f"2024-{m:02d}-01", f"2024-{m:02d}-{_LAST[m]}"


def quarter(q: int) -> tuple[str, str]:
    return month(list(MONTHS)[3 * q - 3])[0], month(list(MONTHS)[3 * q - 1])[1]


YEAR = ("2024-01-01", "2024-12-31")
ALL = (None, None)


def dr(p: tuple[str | None, str | None]) -> DateRange:
    return DateRange(date_from=p[0], date_to=p[1])


def f(prop: str, value: Any, op: str | None = None) -> PropertyFilter:
    if op is None:
        op = "in" if isinstance(value, list) else "eq"
    return PropertyFilter(property=prop, operator=op, value=value)


def users(event: str | None, *filters: PropertyFilter) -> list[EventSeries]:
    return [EventSeries(event=event, math="unique_users", filters=list(filters))]


def count(event: str | None, *filters: PropertyFilter) -> list[EventSeries]:
    return [EventSeries(event=event, math="total", filters=list(filters))]


def revenue(*filters: PropertyFilter) -> list[EventSeries]:
    return [EventSeries(event="action:purchase", math="sum", math_property="revenue",
                        filters=list(filters))]


def orders(*filters: PropertyFilter) -> list[EventSeries]:
    return [EventSeries(event="action:purchase", math="unique_sessions", filters=list(filters))]


def units(*filters: PropertyFilter) -> list[EventSeries]:
    return [EventSeries(event="action:purchase", math="sum", math_property="quantity",
                        filters=list(filters))]


def aov(*filters: PropertyFilter) -> tuple[list[EventSeries], str]:
    return revenue(*filters) + orders(*filters), "A / B"


@dataclass
class Case:
    question: str
    kind: str
    expected: Interpretation | None = None
    notes: list[str] = field(default_factory=list)


def _it(q: str, style: str, queries: dict[str, Any], **kw: Any) -> Interpretation:
    return Interpretation(q, style, queries=queries, answer_style=style, **kw)


def number(q: str, series: list[EventSeries] | tuple[list[EventSeries], str],
           period: tuple[str | None, str | None]) -> Case:
    formula = None
    if isinstance(series, tuple):
        series, formula = series
    tq = TrendsQuery(series=series, formula=formula, display="total", date_range=dr(period))
    return Case(q, "trends", _it(q, "number", {"main": tq}))


def top(q: str, series: list[EventSeries], prop: str, period: tuple[str | None, str | None],
        n: int, direction: str = "max") -> Case:
    tq = TrendsQuery(series=series, display="total", date_range=dr(period),
                     breakdowns=[Breakdown(property=prop, limit=max(n, 10), hide_other=True)])
    return Case(q, "top", _it(q, "top", {"main": tq}, top_n=n, direction=direction))


def compare(q: str, series: list[EventSeries], a: tuple[str, str], b: tuple[str, str],
            prop: str | None = None, direction: str = "max") -> Case:
    bds = [Breakdown(property=prop, limit=1000, hide_other=True)] if prop else []
    queries = {role: TrendsQuery(series=series, display="total", date_range=dr(p),
                                 breakdowns=bds) for role, p in (("main", a), ("other", b))}
    return Case(q, "compare", _it(q, "compare", queries, direction=direction))


def funnel(q: str, steps: list[str], period: tuple[str | None, str | None],
           *filters: PropertyFilter, by: str = "users") -> Case:
    fq = FunnelsQuery(steps=[FunnelStep(event=s) for s in steps], date_range=dr(period),
                      filters=list(filters), count_by=by)
    return Case(q, "funnel", _it(q, "funnel", {"main": fq}))


def retention(q: str, start: str | None, first: tuple[str, str], last_day: str,
              offset: int, period: str = "month") -> Case:
    rq = RetentionQuery(start_event=EventSeries(event=start), return_event=EventSeries(),
                        period=period, total_intervals=offset + 1,
                        date_range=DateRange(date_from=first[0], date_to=last_day))
    return Case(q, "retention", _it(q, "retention", {"main": rq}, top_n=offset))


def lifecycle(q: str, period: tuple[str, str], interval: str, key: str | None,
              event: str | None = None) -> Case:
    lq = LifecycleQuery(series=EventSeries(event=event), interval=interval, date_range=dr(period))
    return Case(q, "lifecycle", _it(q, "lifecycle", {"main": lq}, direction=key))


def sticky(q: str, period: tuple[str, str], n: int, how: str = "at_least",
           event: str | None = None, interval: str = "day") -> Case:
    sq = StickinessQuery(series=[EventSeries(event=event)], interval=interval,
                         date_range=dr(period))
    return Case(q, "stickiness", _it(q, "stickiness", {"main": sq}, top_n=n, direction=how))


P, V, C = "action:purchase", "action:view", "action:cart"
FR, DE = f("user.country", "FR"), f("user.country", "DE")

CASES: list[Case] = [
    # -- trends: one number --------------------------------------------------------------
    number("How many people bought in France last month?", users(P, FR), month("nov")),
    number("How many users visited in March?", users(V), month("mar")),
    number("What was the revenue last month?", revenue(), month("nov")),
    number("How much did we sell in Q3?", revenue(), quarter(3)),
    number("How many orders were placed in December?", orders(), month("dec")),
    number("What was the average order value in 2024?", aov(), YEAR),
    number("How many items were sold last week?", units(), ("2024-12-23", "2024-12-29")),
    number("How many purchases were made in Germany in Q2?", count(P, DE), quarter(2)),
    number("Revenue from electronics last month",
           revenue(f("product.category", ELECTRONICS)), month("nov")),
    number("How many customers bought samsung products in 2024?",
           users(P, f("product.brand", "samsung")), YEAR),
    number("How many add to carts happened yesterday?", count(C), ("2024-12-30", "2024-12-30")),
    number("Number of buyers from google in November?",
           users(P, f("user.channel", "google")), month("nov")),
    number("How many mobile users bought something last month?",
           users(P, f("user.device", "mobile")), month("nov")),
    number("How many people bought outside the US in Q4?",
           users(P, f("user.country", "US", "neq")), quarter(4)),
    number("Revenue from France and Germany in May", revenue(f("user.country", ["FR", "DE"])),
           month("may")),
    number("How many views did smartphones get in June?",
           count(V, f("product.category", "electronics.smartphone")), month("jun")),
    number("What was the revenue since Black Friday?", revenue(), ("2024-11-29", "2024-12-31")),
    number("How many orders were there the week of 4 March?", orders(),
           ("2024-03-04", "2024-03-10")),
    number("Revenue between 1 May and 12 June", revenue(), ("2024-05-01", "2024-06-12")),
    number("How many users removed items from their cart in August?", users("action:remove"),
           month("aug")),
    number("How many active users did we have last week?", users(None),
           ("2024-12-23", "2024-12-29")),
    number("How many buyers in the last 30 days?", users(P), ("2024-12-02", "2024-12-31")),
    number("Revenue on 2024-06-12", revenue(), ("2024-06-12", "2024-06-12")),
    number("Total sales in 2024", revenue(), YEAR),
    number("How many visitors came from instagram last quarter?",
           users(V, f("user.channel", "instagram")), quarter(3)),
    number("How many units of apparel did we sell in December?",
           units(f("product.category", APPAREL)), month("dec")),
    number("What was the average basket size last month?", aov(), month("nov")),
    number("How many purchases on desktop in July?", count(P, f("user.device", "desktop")),
           month("jul")),
    number("How much revenue came from the newsletter in Q2?",
           revenue(f("user.channel", "newsletter")), quarter(2)),
    number("How many shoppers in Poland added to cart this month?",
           users(C, f("user.country", "PL")), month("dec")),
    number("How many orders did we get from Brazil in 2024?", orders(f("user.country", "BR")),
           YEAR),
    number("Weekly buyers in Germany last month", users(P, DE), month("nov")),
    number("How much money did tablets bring in Q1?",
           revenue(f("product.category", "electronics.tablet")), quarter(1)),
    # -- top N / breakdowns ---------------------------------------------------------------
    top("Top 5 brands by revenue in March", revenue(), "product.brand", month("mar"), 5),
    top("Which category sold the most in Q4?", units(), "product.category", quarter(4), 1),
    top("Best selling products last month", units(), "event.product_id", month("nov"), 10),
    top("Which country has the most buyers?", users(P), "user.country", ALL, 1),
    top("Revenue by channel last quarter", revenue(), "user.channel", quarter(3), 10),
    top("Which brand brings the most revenue in 2024?", revenue(), "product.brand", YEAR, 1),
    top("Top 3 countries by orders in November", orders(), "user.country", month("nov"), 3),
    top("Which device do most buyers use?", users(P), "user.device", ALL, 1),
    top("What are the top 10 categories by views in May?", count(V), "product.category",
        month("may"), 10),
    top("Which channel brought the fewest buyers in Q3?", users(P), "user.channel", quarter(3),
        1, "min"),
    top("Revenue per country in June", revenue(), "user.country", month("jun"), 10),
    top("Which weekday has the most purchases?", count(P), "time.weekday", ALL, 1),
    top("Top 5 products by revenue in electronics",
        revenue(f("product.category", ELECTRONICS)), "event.product_id", ALL, 5),
    top("Which hour of the day has the most views?", count(V), "time.hour", ALL, 1),
    top("Buyers by device last month", users(P), "user.device", month("nov"), 10),
    top("Top 3 brands by units sold in France in Q2", units(FR), "product.brand", quarter(2), 3),
    # -- comparisons ------------------------------------------------------------------------
    compare("Which category lost the most revenue in Q3 compared to Q2?", revenue(), quarter(3),
            quarter(2), "product.category", "min"),
    compare("How did revenue change from May to June?", revenue(), month("may"), month("jun")),
    compare("Revenue in November vs October", revenue(), month("nov"), month("oct")),
    compare("Did we sell more in Q4 than in Q3?", units(), quarter(4), quarter(3)),
    compare("Which country grew the most in buyers in December compared to November?",
            users(P), month("dec"), month("nov"), "user.country"),
    compare("Compare orders in March and April", orders(), month("mar"), month("apr")),
    compare("Which brand lost the most revenue last month?", revenue(), month("nov"),
            month("oct"), "product.brand", "min"),
    compare("How many more buyers did we have in Q2 than Q1?", users(P), quarter(2),
            quarter(1)),
    compare("Which channel gained the most revenue in Q4 compared to Q3?", revenue(),
            quarter(4), quarter(3), "user.channel"),
    compare("Difference in active users between June and July", users(None), month("jun"),
            month("jul")),
    compare("How did orders from France change from September to October?", orders(FR),
            month("sep"), month("oct")),
    # -- funnels ------------------------------------------------------------------------------
    funnel("What is the conversion rate from view to purchase last month?", [V, P],
           month("nov")),
    funnel("What share of visitors bought something in Q3?", [V, P], quarter(3)),
    funnel("How many users who viewed a product added it to cart in May?", [V, C], month("may")),
    funnel("What was the cart abandonment rate in December?", [C, P], month("dec")),
    funnel("Show the purchase funnel for France", [V, C, P], ALL, FR),
    funnel("Conversion from cart to purchase on mobile in 2024", [C, P], YEAR,
           f("user.device", "mobile")),
    funnel("How many carts turned into purchases last quarter?", [C, P], quarter(3)),
    funnel("Where do users drop off between view, cart and purchase in June?", [V, C, P],
           month("jun")),
    funnel("Funnel from view to cart to purchase for samsung in Q2", [V, C, P], quarter(2),
           f("product.brand", "samsung")),
    funnel("What is the session conversion rate from view to purchase in November?", [V, P],
           month("nov"), by="sessions"),
    # -- retention --------------------------------------------------------------------------
    retention("What share of users who added to cart in May came back in June?", C,
              month("may"), "2024-06-30", 1),
    retention("What share of users who bought in August came back in September?", P,
              month("aug"), "2024-09-30", 1),
    retention("How many users who viewed in January returned in March?", V, month("jan"),
              "2024-03-31", 2),
    retention("Retention of users who bought in March", P, month("mar"), "2024-04-30", 1),
    retention("Do users who added to cart in September come back in October?", C,
              month("sep"), "2024-10-31", 1),
    retention("What share of visitors in April came back in July?", V, month("apr"),
              "2024-07-31", 3),
    # -- lifecycle --------------------------------------------------------------------------
    lifecycle("How many new users did we get last week?", ("2024-12-23", "2024-12-29"), "week",
              "new"),
    lifecycle("How many new users in March?", month("mar"), "month", "new"),
    lifecycle("New versus returning users last month", month("nov"), "month", None),
    lifecycle("How many users went dormant in November?", month("nov"), "month", "dormant"),
    lifecycle("How many resurrected users in October?", month("oct"), "month", "resurrecting"),
    lifecycle("How many returning users did we have last week?", ("2024-12-23", "2024-12-29"),
              "week", "returning"),
    lifecycle("How many new buyers in June?", month("jun"), "month", "new", P),
    # -- stickiness -------------------------------------------------------------------------
    sticky("How many users were active on 5 or more days in November?", month("nov"), 5),
    sticky("How many users visited on 10 or more days last quarter?", quarter(3), 10,
           event=V),
    sticky("How many buyers purchased on 2 or more days in 2024?", YEAR, 2, event=P),
    sticky("How many users were active on exactly 1 day last month?", month("nov"), 1,
           "exactly"),
    sticky("How many users were active in 3 or more weeks in Q4?", quarter(4), 3,
           interval="week"),
]

UNANSWERABLE = [
    "What is our profit margin last month?",
    "How much did we spend on ads in Q3?",
    "What is the customer acquisition cost?",
    "What's our net promoter score?",
    "How much stock is left of smartphones?",
    "What were our shipping costs in May?",
]

FOREIGN = [
    "Wie viele Leute haben letzten Monat in Frankreich gekauft?",
    "Combien de clients ont acheté le mois dernier ?",
    "¿Cuántos usuarios compraron en marzo?",
]
