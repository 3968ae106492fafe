"""Offline insights: rules and templates over the computed statistics.

What the offline provider answers (and what any provider falls back to): each rule reads
the aggregates of :func:`shoplens.events.insights.statistics` and writes insights with
their evidence, in the shape of :class:`shoplens.llm.schema.InsightsResponse`.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any


def offline_insights(stats: dict[str, Any], *, limit: int = 6) -> dict[str, Any]:
    """Insights written by rules from the statistics, each with its evidence."""
    found: list[tuple[int, dict[str, Any]]] = []  # (rank: lower first, insight)
    for rule in (_funnel_drop, _abandonment, _repeat, _behaviour_insights, _dropoff_stage,
                 _decision_time, _taxonomy_quality):
        found.extend(rule(stats))
    if not found:
        totals = stats["totals"]
        found.append((9, _insight(
            "Too little behaviour to judge",
            f"The log holds {totals['events']} events from {totals['users']} users, with no "
            "funnel step beyond browsing to compare.",
            {"events": totals["events"], "users": totals["users"]},
            "Track add-to-cart, checkout and purchase events so that the funnel can be measured.",
            "medium", "Makes conversion measurable.")))
    found.sort(key=lambda t: t[0])
    return {"insights": [i for _, i in found[:limit]]}


def _insight(title: str, finding: str, evidence: dict[str, Any], recommendation: str,
             priority: str, impact: str) -> dict[str, Any]:
    return {"title": title, "finding": finding, "evidence": evidence,
            "recommendation": recommendation, "priority": priority, "expected_impact": impact}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _funnel_drop(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    steps = [s for s in stats["funnel"] if s["tracked"]]
    pairs = [(a, b) for a, b in pairwise(steps) if a["sessions"]]
    if not pairs:
        return []
    a, b = min(pairs, key=lambda p: p[1]["sessions"] / p[0]["sessions"])
    rate = b["sessions"] / a["sessions"]
    lost = a["sessions"] - b["sessions"]
    advice = {
        "consideration": "Make adding to the cart easier from listings and product pages "
                         "(visible prices, stock and delivery dates, one-tap add).",
        "checkout": "Send carts to checkout sooner: show totals with shipping early and "
                    "offer guest checkout.",
        "conversion": "Shorten checkout: fewer steps, saved payment methods, clear errors.",
    }.get(b["stage"], "Investigate what stops sessions at this step.")
    return [(0, _insight(
        f"Largest funnel drop: {a['stage']} to {b['stage']}",
        f"Only {_pct(rate)} of the {a['sessions']} sessions that reached {a['stage']} went on "
        f"to {b['stage']}; {lost} sessions stopped there.",
        {f"sessions_{a['stage']}": a["sessions"], f"sessions_{b['stage']}": b["sessions"],
         "step_conversion_rate": round(rate, 4)},
        advice, "high" if rate < 0.5 else "medium",
        f"Each 10 points gained at this step adds about {round(0.1 * a['sessions'])} sessions "
        f"reaching {b['stage']}."))]


def _abandonment(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    ca = stats["patterns"]["cart_abandonment"]
    if not ca["cart_sessions"] or not ca["abandoned_sessions"]:
        return []
    rate, rec = ca["abandonment_rate"], ca["recovery_rate"]
    return [(1, _insight(
        "Abandoned carts",
        f"{ca['abandoned_sessions']} of {ca['cart_sessions']} sessions with an add-to-cart "
        f"({_pct(rate)}) ended without a purchase; {_pct(rec)} of them were recovered by a "
        f"purchase within {ca['recovery_window_days']} days.",
        {"cart_sessions": ca["cart_sessions"], "abandoned_sessions": ca["abandoned_sessions"],
         "abandonment_rate": rate, "recovery_rate": rec},
        "Send a cart reminder within a day of abandonment and keep carts across sessions "
        "and devices.",
        "high" if rate >= 0.5 else "medium",
        f"Recovering another 10% of abandoned carts means about "
        f"{max(1, round(0.1 * ca['abandoned_sessions']))} more converting sessions."))]


def _repeat(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    rp = stats["patterns"]["repeat_purchases"]
    if not rp["buyers"]:
        return []
    if rp["repeat_buyers"]:
        finding = (f"{rp['repeat_buyers']} of {rp['buyers']} buyers ({_pct(rp['repeat_rate'])}) "
                   f"bought again; the median gap between purchases is {rp['median_days']} days.")
        rec = (f"Time win-back and replenishment messages around day {rp['median_days']} "
               "after a purchase.")
        evidence = {"buyers": rp["buyers"], "repeat_buyers": rp["repeat_buyers"],
                    "repeat_rate": rp["repeat_rate"], "median_days_between_purchases":
                    rp["median_days"]}
    else:
        finding = f"None of the {rp['buyers']} buyers has bought a second time yet."
        rec = "Follow a first purchase with a personalised recommendation and a reason to return."
        evidence = {"buyers": rp["buyers"], "repeat_buyers": 0}
    return [(3, _insight("Repeat purchases", finding, evidence, rec,
                         "medium" if (rp["repeat_rate"] or 0) < 0.3 else "low",
                         "Repeat buyers are the cheapest revenue to win."))]


_BEHAVIOUR_ADVICE = {
    "hesitant_checkout": ("Hesitant checkouts",
                          "Reassure at checkout: delivery dates, returns policy, trust marks; "
                          "remind by email."),
    "price_sensitive_browsing": ("Price-comparing browsers",
                                 "Offer price sorting, price-drop alerts and bundles in the "
                                 "categories they compare."),
    "quick_deciders": ("Quick deciders",
                       "Keep the fast path fast: one-click reorder, saved payment, buy-now "
                       "buttons."),
    "wishlist_collectors": ("Wishlist collectors who never buy",
                            "Send back-in-stock and price-drop alerts for wishlisted items."),
}


def _behaviour_insights(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for b in stats["patterns"]["behaviours"]:
        if not b["users"]:
            continue
        title, rec = _BEHAVIOUR_ADVICE[b["name"]]
        out.append((4, _insight(
            title,
            f"{b['users']} users ({_pct(b['share_of_users'])} of all users) match: "
            f"{b['definition']}.",
            {f"{b['name']}_users": b["users"], "share_of_users": b["share_of_users"]},
            rec, "medium" if (b["share_of_users"] or 0) >= 0.1 else "low",
            f"Targets {b['users']} users with a message that fits how they shop.")))
    return out


def _dropoff_stage(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    d = stats["patterns"]["dropoffs"]
    if not d["dropped_after"] or not d["sessions"]:
        return []
    top = d["dropped_after"][0]
    return [(5, _insight(
        f"Most non-buying sessions stop after {top['stage']}",
        f"{top['sessions']} of {d['sessions']} sessions ({_pct(top['share_of_sessions'])}) "
        f"got no further than {top['stage']} and did not convert; "
        f"{d['converted_sessions']} sessions converted.",
        {"sessions": d["sessions"], f"sessions_stopped_after_{top['stage']}": top["sessions"],
         "converted_sessions": d["converted_sessions"]},
        f"Review what a visitor sees right after {top['stage']}: next-step prompts, "
        "recommendations, clear calls to action.",
        "medium", "Moves part of the largest group of lost sessions one step on."))]


def _decision_time(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    rows = {(r["from"], r["to"]): r for r in stats["patterns"]["step_times"]}
    r = rows.get(("browse", "conversion"))
    if not r or r["median_seconds"] is None:
        return []
    return [(6, _insight(
        "Time from first view to purchase",
        f"In the {r['sessions']} sessions that converted after browsing, the median time from "
        f"the first view to the purchase was {r['median_seconds'] / 60:.1f} minutes "
        f"(90th percentile {r['p90_seconds'] / 60:.1f} minutes).",
        {"sessions": r["sessions"], "median_seconds": r["median_seconds"],
         "p90_seconds": r["p90_seconds"]},
        "Keep session length in mind for timed offers and cart reservations.",
        "low", "Offers timed to real decision times convert better."))]


def _taxonomy_quality(stats: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    unsure = [t for t in stats["taxonomy"] if t["unsure"]]
    if not unsure:
        return []
    events = sum(t["events"] for t in unsure)
    return [(2, _insight(
        "Event names nobody recognised with confidence",
        f"{len(unsure)} event names ({events} events) could not be mapped to a stage with "
        f"confidence, e.g. {', '.join(repr(t['raw']) for t in unsure[:3])}.",
        {"unsure_event_names": len(unsure), "unsure_events": events},
        "Add them to a mapping file (--mapping) or run with an LLM provider.",
        "medium" if events > 0.05 * stats["totals"]["events"] else "low",
        "Every event counted in the right stage makes the funnel exact."))]
