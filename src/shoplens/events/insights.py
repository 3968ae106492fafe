"""Insights: the computed statistics, written up by a language model or by rules.

:func:`analyze` gathers the event distribution, the taxonomy, the funnel and the
patterns (all computed in SQL), builds a prompt from those *aggregates only* — no user,
session or product identifier ever enters it — and asks the configured provider for
``{"insights": [...]}`` validated against :class:`shoplens.llm.schema.InsightsResponse`.
The offline provider writes the insights from the same statistics by rules and
templates (:func:`offline_insights`), validated against the same schema.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.events.funnel import funnel
from shoplens.events.patterns import PatternParams, patterns
from shoplens.events.queries import staged_events
from shoplens.events.taxonomy import CategorizeParams, categorize
from shoplens.llm import LLMSettings, Provider, get_provider
from shoplens.llm.privacy import is_personal
from shoplens.llm.schema import InsightsResponse


class InsightsParams(BaseModel):
    """Options of :func:`analyze`."""

    model_config = ConfigDict(extra="forbid")

    llm: LLMSettings = Field(default_factory=LLMSettings)
    mapping: Path | None = None
    patterns: PatternParams = Field(default_factory=PatternParams)
    max_insights: int = Field(6, ge=1, le=12)


def statistics(engine: Engine, params: InsightsParams, *,
               provider: Provider | None = None) -> dict[str, Any]:
    """Everything the insights are written from: aggregates only."""
    provider = provider or get_provider(params.llm)
    if not engine.scalar("SELECT COUNT(*) FROM events"):
        raise InputError("there are no events to analyse: load some with `shoplens load` first")
    taxonomy = categorize(engine, CategorizeParams(llm=params.llm, mapping=params.mapping),
                          provider=provider)
    totals = engine.fetch_all(
        "SELECT COUNT(*) AS n_events, COUNT(DISTINCT user_id) AS n_users, "
        "MIN(event_time) AS first_event, MAX(event_time) AS last_event FROM events")[0]
    with staged_events(engine, params.patterns.bind()) as src:
        by_stage = src.fetch_all(engine, "stage_counts")
        steps = funnel(engine, params.patterns, src)
        found = patterns(engine, params.patterns, src)
    return {
        "totals": {"events": int(totals[0]), "users": int(totals[1]),
                   "first_event": totals[2], "last_event": totals[3]},
        "event_distribution": {
            "by_stage": [{"stage": str(s), "action": str(a), "events": int(n), "users": int(u)}
                         for s, a, n, u in by_stage],
            "by_raw_event": [{"raw": e.raw, "stage": e.stage, "events": e.events}
                             for e in taxonomy.entries],
        },
        "taxonomy": taxonomy.to_json(),
        "funnel": [s.to_json() for s in steps],
        "patterns": found,
    }


SYSTEM = (
    "You are a senior e-commerce analyst. You are given aggregated statistics of a shop's "
    "event log (no personal data). Write the most useful, specific insights: each must "
    "quote the numbers it rests on in `evidence` (metric name -> value, copied from the "
    "statistics, never invented), say what to do in `recommendation`, rate `priority` "
    "high/medium/low and estimate `expected_impact` from the numbers."
)


def prompt_statistics(stats: dict[str, Any]) -> dict[str, Any]:
    """The part of the statistics sent to a model (compact; aggregates only)."""
    tax = [{"raw": _safe_name(t["raw"]), "stage": t["stage"], "confidence": t["confidence"],
            "events": t["events"]} for t in stats["taxonomy"][:60]]
    return {
        "totals": stats["totals"],
        "events_by_stage": stats["event_distribution"]["by_stage"],
        "event_names": tax,
        "funnel": stats["funnel"],
        "patterns": stats["patterns"],
    }


# Event names are tracker vocabulary, but a badly instrumented tracker can put an e-mail
# address, a phone number or a customer's name into one; such names never leave the
# machine (shoplens.llm.privacy, the filter every prompt passes).
NAME_WITHHELD = "(name withheld: looks like personal data)"


def _safe_name(raw: str) -> str:
    return NAME_WITHHELD if is_personal(raw) else raw


def withheld_names(stats: dict[str, Any]) -> int:
    """Event names :func:`prompt_statistics` leaves out because they hold personal data."""
    return sum(is_personal(t["raw"]) for t in stats["taxonomy"][:60])


def build_prompt(stats: dict[str, Any], *, max_insights: int = 6) -> str:
    body = json.dumps(prompt_statistics(stats), default=_json_default, separators=(",", ":"))
    return (f"Statistics of the shop (JSON):\n{body}\n\n"
            f"Write between 3 and {max_insights} insights, most important first, as "
            '{"insights": [{"title", "finding", "evidence": {metric: value}, '
            '"recommendation", "priority", "expected_impact"}]}.')


def analyze(engine: Engine, params: InsightsParams | None = None, *,
            provider: Provider | None = None) -> dict[str, Any]:
    """Statistics plus insights, as the document ``shoplens events insights`` writes."""
    params = params or InsightsParams()
    provider = provider or get_provider(params.llm)
    stats = statistics(engine, params, provider=provider)
    prompt = build_prompt(stats, max_insights=params.max_insights)
    answer = provider.complete_json(
        prompt, InsightsResponse, system=SYSTEM,
        fallback=lambda: offline_insights(stats, limit=params.max_insights),
        check=lambda r: unsupported_evidence(r, prompt_statistics(stats)))
    return {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "provider": provider.name,
        "model": provider.model,
        "totals": stats["totals"],
        "event_distribution": stats["event_distribution"],
        "taxonomy": stats["taxonomy"],
        "funnel": stats["funnel"],
        "patterns": stats["patterns"],
        "insights": [i.model_dump() for i in answer.insights],
        # values kept from the model because they hold personal data (nothing is sent
        # offline)
        "withheld_from_llm": 0 if provider.name == "offline"
        else withheld_names(stats) + provider.withheld,
    }


def _numbers(doc: Any) -> list[float]:
    if isinstance(doc, bool):
        return []
    if isinstance(doc, int | float | Decimal):
        return [float(doc)]
    if isinstance(doc, dict):
        return [x for v in doc.values() for x in _numbers(v)]
    if isinstance(doc, list):
        return [x for v in doc for x in _numbers(v)]
    return []


#: a number written in prose: 1,234 / 47.8 / -3 / .5 (a thousands comma is dropped)
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?![\w])")


def _supported(v: float, known: list[float], tokens: set[str], text: str) -> bool:
    """A statistic (to 0.5% or its rounding), that statistic as a percentage (0.4775 as
    47.75 or 47.8), or a number written as such in the statistics' text (a date, a name)."""
    return (text in tokens or
            any(abs(v - s) <= max(0.005 * abs(s), 0.0051) or
                (abs(s) <= 1 and abs(v - 100 * s) <= 0.051) for s in known))


def unsupported_evidence(answer: InsightsResponse, stats: dict[str, Any]) -> list[str]:
    """Numbers a model wrote that appear nowhere in the statistics it was given: in the
    ``evidence`` values and in the prose (``title``, ``finding``, ``recommendation``,
    ``expected_impact``).

    A number is supported when it equals a statistic (to 0.5% or to its rounding), or
    that statistic as a percentage (0.4775 quoted as 47.75 or 47.8), or when the
    statistics' own text has it (a date, a stage name with a digit). Text evidence is
    read as prose.
    """
    known = _numbers(stats)
    stats_text = json.dumps(stats, default=_json_default)
    tokens = {m.group(0).replace(",", "") for m in _NUMBER.finditer(stats_text) if m.group(0)}
    problems = []
    for i, ins in enumerate(answer.insights):
        for metric, value in ins.evidence.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, str):
                problems += _prose_problems(f"insights.{i}.evidence.{metric}", value, known, tokens)
                continue
            v = float(value)
            if not _supported(v, known, tokens, str(value)):
                problems.append(f"insights.{i}.evidence.{metric}: {value} is not a number from "
                                "the statistics; quote the statistics exactly")
        for name in ("title", "finding", "recommendation", "expected_impact"):
            problems += _prose_problems(f"insights.{i}.{name}", str(getattr(ins, name, "") or ""),
                                        known, tokens)
    return problems


def _prose_problems(where: str, text: str, known: list[float], tokens: set[str]) -> list[str]:
    out = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0)
        if not raw or raw in ("-", "."):
            continue
        plain = raw.replace(",", "")
        try:
            v = float(plain)
        except ValueError:
            continue
        if not _supported(v, known, tokens, plain):
            out.append(f"{where}: the number {raw} in {text[:80]!r} is not in the statistics; "
                       "use only numbers from the statistics (or leave numbers out)")
    return out


def default_out_path(now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    return Path(f"analysis_results_{now.strftime('%Y%m%d_%H%M%S')}.json")


def write_results(doc: dict[str, Any], out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, default=_json_default, indent=2, allow_nan=False) + "\n",
                   encoding="utf-8")
    return out


# -- offline: rules and templates over the statistics -------------------------------------
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


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, datetime | date):
        return o.isoformat()
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
