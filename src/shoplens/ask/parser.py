"""The offline parser: a question in plain English becomes validated insight queries.

Steps: reject what cannot be a question about this shop (empty, too long, another
language); find the periods (:mod:`shoplens.ask.periods`) and the shop's own values
(:mod:`shoplens.ask.vocabulary`); classify the kind of insight on the masked question
(:mod:`shoplens.ask.intents`); read the measure (:mod:`shoplens.ask.measures`), filters,
breakdown and top-N; build the query-model documents. Every choice the question left
open is written down in ``Interpretation.notes`` so the answer can state it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shoplens.ask.intents import IntentClassifier, default_classifier
from shoplens.ask.measures import Measure, actions_in, measure_of
from shoplens.ask.periods import Period, find_periods
from shoplens.ask.vocabulary import PROPERTY_WORDS, Mention, Vocabulary
from shoplens.errors import InputError
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

MAX_QUESTION = 500
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twenty": 20}
_UNANSWERABLE = {
    "profit": "it has no costs or margins, only prices paid",
    "margin": "it has no costs or margins, only prices paid",
    "cost": "it has no costs, only prices paid",
    "cogs": "it has no costs, only prices paid",
    "ad": "it has no advertising spend", "roas": "it has no advertising spend",
    "roi": "it has no advertising spend or costs", "cac": "it has no acquisition costs",
    "acquisition cost": "it has no acquisition costs",
    "nps": "it has no survey answers", "net promoter": "it has no survey answers",
    "satisf": "it has no survey answers", "rating": "it has no ratings or reviews",
    "review": "it has no ratings or reviews", "stock": "it has no inventory",
    "inventory": "it has no inventory", "delivery": "it has no delivery records",
    "shipping": "it has no delivery records", "weather": "it has no weather data",
    "tax": "it has no tax records",
}
_ENGLISH_WORDS = (
    "a an the of in on at by for to from with and or not no is are was were be been do does "
    "did how many much what which who whom when where why show list give tell me we our us "
    "my i you it its this that these those than then per each every all any some most more "
    "less top best worst between during since until after before vs versus compared compare "
    "there have has had get got make made over under out up down last next previous past week "
    "weeks month months quarter year years day days today yesterday since ago happened "
    "placed selling sold products revenue total sales units items customers buyers bought "
    "share rate place spent left people orders purchases views versus returning")
_ENGLISH = frozenset(_ENGLISH_WORDS.split())


@dataclass
class Interpretation:
    """What the parser made of a question."""

    question: str
    intent: str
    queries: dict[str, Any] = field(default_factory=dict)  # role -> insight query
    answer_style: str = "number"
    direction: str | None = None  # for compare/top: max or min
    top_n: int = 1
    measure: Measure | None = None
    periods: list[Period] = field(default_factory=list)
    filters_text: str = ""
    notes: list[str] = field(default_factory=list)
    reason: str | None = None  # why the data cannot answer
    method: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "intent": self.intent, "method": self.method,
                "queries": {k: query_document(q) for k, q in self.queries.items()},
                "interpretation": self.notes, "cannot_answer": self.reason}


def query_document(query: Any) -> dict[str, Any]:
    """A query as a short document: its kind, then what differs from the defaults."""
    return {"kind": query.kind, **query.model_dump(mode="json", exclude_defaults=True)}


def check_question(question: str) -> str:
    """The question stripped, or an InputError for one ShopLens cannot read."""
    text = " ".join((question or "").split())
    if not text:
        raise InputError("the question is empty: ask e.g. 'How many people bought last month?'")
    if len(text) > MAX_QUESTION:
        raise InputError(f"the question has {len(text)} characters; ask in at most "
                         f"{MAX_QUESTION}")
    return text


def _lexicon() -> frozenset[str]:
    from shoplens.ask.intents import PATTERNS
    from shoplens.ask.periods import MONTHS

    words = set(_ENGLISH) | set(MONTHS)
    for text in [*(t for ts in PATTERNS.values() for t in ts), *PROPERTY_WORDS]:
        words.update(re.findall(r"[a-z]+", text))
    return frozenset(words)


_LEXICON: frozenset[str] | None = None


def _not_english(text: str, voc: Vocabulary) -> bool:
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = _lexicon()
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return True
    known = sum(w in _LEXICON or w in voc.values for w in words)
    non_ascii = sum(not w.isascii() for w in words)
    return non_ascii > len(words) / 3 or (len(words) >= 3 and known / len(words) < 0.25)


def parse(question: str, voc: Vocabulary, *, anchor: date | None = None,
          declared: dict[str, date] | None = None,
          classifier: IntentClassifier | None = None) -> Interpretation:
    """Turn ``question`` into insight queries over the shop described by ``voc``."""
    text = check_question(question)
    lower = text.lower()
    if _not_english(lower, voc):
        raise InputError("this question is not understood: ShopLens reads questions in "
                         "English about the shop's events, e.g. 'How many people bought "
                         "in France last month?'")
    anchor = anchor or voc.last_day or date.today()
    found = find_periods(lower, anchor, declared)
    periods = [f.period for f in found]
    mentions = [m for m in voc.mentions(lower)
                if not any(a < m.span[1] and m.span[0] < b for a, b in (f.span for f in found))]
    masked = _mask(lower, [f.span for f in found], [m.span for m in mentions])
    match = (classifier or default_classifier()).classify(masked)
    if match.intent == "compare" and match.method == "embedding" and len(found) < 2:
        # a comparison needs two periods or a word that asks for one
        intent = "top" if _breakdown_property(lower) else "trends"
        match = type(match)(intent, match.score, "embedding, one period", match.nearest)
    it = Interpretation(text, match.intent, periods=periods,
                        method=f"{match.method} ({match.nearest!r}, {match.score:.2f})")
    if match.intent == "unanswerable":
        key = next((k for k in _UNANSWERABLE if k in lower), None)
        it.reason = _UNANSWERABLE.get(key or "", "the data has no such measure")
        return it
    filters = _filters(mentions, lower, it)
    raw = next((e for e in sorted(voc.events, key=len, reverse=True)
                if len(e) > 3 and re.search(rf"\b{re.escape(e.lower())}\b", lower)), None)
    if raw and raw.lower() in ("view", "cart", "purchase", "remove_from_cart", "refund"):
        raw = None  # a canonical name: the action words already cover it
    build = _BUILDERS[match.intent]
    build(it, lower, filters, raw, anchor, voc)
    return it


def _mask(text: str, period_spans: list[tuple[int, int]],
          value_spans: list[tuple[int, int]]) -> str:
    spans = sorted([(a, b, "<period>") for a, b in period_spans]
                   + [(a, b, "<value>") for a, b in value_spans])
    out, pos = [], 0
    for a, b, tag in spans:
        if a < pos:
            continue
        out += [text[pos:a], tag]
        pos = b
    out.append(text[pos:])
    return "".join(out)


#: where one word names values of several properties ("desktop": a category and a
#: device), the property a preposition or noun before or after it points to
_CONTEXT = (
    (r"\b(on|via|using|with|from|through)\s+(a\s+|the\s+)?$", ("user.device", "user.channel")),
    (r"^\s+(users|shoppers|visitors|buyers|customers|traffic|sessions)\b",
     ("user.device", "user.channel", "user.country")),
)
_PREFERRED = ("product.category", "product.brand", "user.country", "user.channel", "user.device")


def _disambiguate(mentions: list[Mention], text: str, it: Interpretation) -> list[Mention]:
    by_span: dict[tuple[int, int], list[Mention]] = {}
    for m in mentions:
        by_span.setdefault(m.span, []).append(m)
    out: list[Mention] = []
    for span, ms in by_span.items():
        props = list(dict.fromkeys(m.property for m in ms))
        if len(props) > 1:
            pick = None
            before, after = text[:span[0]], text[span[1]:]
            for pattern, kinds in _CONTEXT:
                hit = re.search(pattern, before if pattern.endswith("$") else after)
                if hit:
                    pick = next((p for p in kinds if p in props), None)
                    if pick:
                        break
            pick = pick or min(props, key=lambda p: _PREFERRED.index(p)
                               if p in _PREFERRED else len(_PREFERRED))
            it.notes.append(f"{ms[0].text!r} read as {pick} (it also names "
                            f"{', '.join(p for p in props if p != pick)})")
            ms = [m for m in ms if m.property == pick]
        out += ms
    return out


def _filters(mentions: list[Mention], text: str, it: Interpretation) -> list[PropertyFilter]:
    mentions = _disambiguate(mentions, text, it)
    by_prop: dict[str, list[Mention]] = {}
    for m in mentions:
        by_prop.setdefault(m.property, []).append(m)
    out, said = [], []
    for prop, ms in by_prop.items():
        values = list(dict.fromkeys(m.value for m in ms))
        negated = any(re.search(rf"\b(not|except|excluding|outside( of)?|other than)\s+"
                                rf"(in\s+|from\s+)?{re.escape(m.text)}", text) for m in ms)
        if len(values) == 1:
            out.append(PropertyFilter(property=prop, operator="neq" if negated else "eq",
                                      value=values[0]))
        else:
            out.append(PropertyFilter(property=prop, operator="not_in" if negated else "in",
                                      value=values))
        shown = ", ".join(values[:5]) + (f" and {len(values) - 5} more" if len(values) > 5 else "")
        said.append(f"{prop} {'is not' if negated else 'is'} {shown}")
    if said:
        it.filters_text = "; ".join(said)
        it.notes.append("filters: " + it.filters_text)
    return out


def _breakdown_property(text: str) -> str | None:
    for words in sorted(PROPERTY_WORDS, key=len, reverse=True):
        w = re.escape(words)
        if re.search(rf"\b(by|per|each|which|what|top \w+|best[- ]selling|most popular|"
                     rf"every|across|break(ing)? ?down (by )?)\s+(the\s+)?{w}\b", text) or \
                (re.search(rf"\b{w}\s+(lost|gained|grew|sold|brought|had|has|have|did|made|"
                           rf"was|were|is|are)\b", text) and re.search(r"\bwhich\b", text)):
            return PROPERTY_WORDS[words]
    return None


def _top_n(text: str) -> int | None:
    m = re.search(r"\btop\s+(\d+|" + "|".join(_NUMBER_WORDS) + r")\b", text)
    if m:
        return int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
    return None


def _range(p: Period | None) -> DateRange:
    if p is None:
        return DateRange()
    return DateRange(date_from=p.start.isoformat(), date_to=p.end.isoformat())


def _interval_for(text: str, p: Period | None) -> str:
    for word, interval in (("hourly", "hour"), ("per hour", "hour"), ("daily", "day"),
                           ("per day", "day"), ("each day", "day"), ("dau", "day"),
                           ("weekly", "week"), ("per week", "week"), ("each week", "week"),
                           ("wau", "week"), ("monthly", "month"), ("per month", "month"),
                           ("each month", "month"), ("mau", "month"), ("quarterly", "quarter")):
        if re.search(rf"\b{word}\b", text):
            return interval
    if p is None:
        return "month"
    days = (p.end - p.start).days + 1
    return "day" if days <= 31 else "week" if days <= 120 else "month"


def _with_filters(measure: Measure, filters: list[PropertyFilter]) -> list[EventSeries]:
    return [s.model_copy(update={"filters": list(filters)}) for s in measure.series]


def _trends(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
            voc: Vocabulary) -> None:
    measure = measure_of(text, raw)
    it.measure = measure
    it.notes += measure.notes
    period = it.periods[0] if it.periods else None
    if period is None:
        it.notes.append("no period named: all the data")
    series = _with_filters(measure, filters)
    it.queries["main"] = TrendsQuery(series=series, formula=measure.formula,
                                     interval=_interval_for(text, period), display="total",
                                     date_range=_range(period))
    it.answer_style = "number"


def _top(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
         voc: Vocabulary) -> None:
    _trends(it, text, filters, raw, anchor, voc)
    prop = _breakdown_property(text) or "product.category"
    n = _top_n(text)
    plural = bool(re.search(r"\b(top|best[- ]selling|most popular|by|per|each|across)\b", text))
    it.top_n = n or (10 if plural else 1)
    it.direction = "min" if re.search(r"\b(least|lowest|worst|fewest|bottom)\b", text) else "max"
    q = it.queries["main"]
    it.queries["main"] = q.model_copy(update={
        "breakdowns": [Breakdown(property=prop, limit=max(it.top_n, 10), hide_other=True)]})
    it.answer_style = "top"
    it.notes.append(f"broken down by {prop}")


def _compare(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
             voc: Vocabulary) -> None:
    _trends(it, text, filters, raw, anchor, voc)
    if not it.periods:
        last = Period(anchor.replace(day=1), anchor, "this month", "month")
        it.periods = [last]
        it.notes.append("no period named: this month against the month before")
    first = it.periods[0]
    other = it.periods[1] if len(it.periods) > 1 else first.previous()
    if len(it.periods) == 1:
        it.notes.append(f"compared with {other.describe()}")
    q = it.queries["main"]
    prop = _breakdown_property(text)
    if prop:
        q = q.model_copy(update={"breakdowns": [Breakdown(property=prop, limit=1000,
                                                          hide_other=True)]})
        it.notes.append(f"broken down by {prop}")
    it.queries["main"] = q.model_copy(update={"date_range": _range(first)})
    it.queries["other"] = q.model_copy(update={"date_range": _range(other)})
    it.direction = "min" if re.search(r"\b(lost|dropped|declined|decreased|fell|fewer|"
                                      r"worst|least)\b", text) else "max"
    it.answer_style = "compare"


def _funnel(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
            voc: Vocabulary) -> None:
    refs = list(dict.fromkeys(ref for _, ref, _ in actions_in(text)
                              if ref not in ("action:refund", "action:remove")))
    if re.search(r"\b(visitors|visit(ed)?|sessions?)\b", text) and "action:view" not in refs:
        refs.insert(0, "action:view")
    if len(refs) < 2:
        if re.search(r"\bcart abandon|abandon(ed)? (the |their )?carts?\b", text):
            refs = ["action:cart", "action:purchase"]
        elif re.search(r"\bfunnel\b", text):
            refs = ["action:view", "action:cart", "action:purchase"]
        elif refs == ["action:cart"]:
            refs = ["action:view", "action:cart"]
        elif refs == ["action:purchase"]:
            refs = ["action:view", "action:purchase"]
        else:
            refs = ["action:view", "action:cart", "action:purchase"]
        it.notes.append("funnel steps: " + " -> ".join(r.split(":")[1] for r in refs))
    period = it.periods[0] if it.periods else None
    count_by = "sessions" if re.search(r"\bsessions?\b", text) else "users"
    it.queries["main"] = FunnelsQuery(
        steps=[FunnelStep(event=r) for r in refs], filters=filters, count_by=count_by,
        date_range=_range(period))
    it.notes.append("conversion window 14 days (the default)")
    it.answer_style = "funnel"


def _retention(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
               voc: Vocabulary) -> None:
    acts = actions_in(text.split("came back")[0].split("come back")[0].split("return")[0])
    start = acts[0][1] if acts else None
    grain = "week" if re.search(r"\bweek(ly)?\b", text) else "day" if re.search(
        r"\b(day|daily)\b", text) else "month"
    if len(it.periods) >= 2:
        first, later = it.periods[0], it.periods[1]
        grain = first.grain if first.grain in ("day", "week", "month") else grain
        offset = _offset(first.start, later.start, grain)
        end = later.end
    else:
        first = it.periods[0] if it.periods else None
        offset = 1
        it.notes.append(f"'came back' read as: active again in the next {grain}")
        end = min(anchor, _next_end(first.end, grain)) if first else anchor
    it.top_n = max(1, offset)
    it.queries["main"] = RetentionQuery(
        start_event=EventSeries(event=start, filters=filters), return_event=EventSeries(),
        period=grain, total_intervals=offset + 1,
        retention_type="recurring" if re.search(r"\bbuyers|customers\b", text) and
        start == "action:purchase" else "first_time",
        date_range=DateRange(date_from=first.start.isoformat() if first else None,
                             date_to=end.isoformat()))
    it.answer_style = "retention"


def _next_end(d: date, grain: str) -> date:
    """The last day of the ``grain`` period after the one ending on ``d``."""
    if grain == "month":
        nxt = (d.replace(day=1) + timedelta(days=32)).replace(day=1)
        return (nxt + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return d + timedelta(days=7 if grain == "week" else 1)


def _offset(a: date, b: date, grain: str) -> int:
    if grain == "month":
        return max(1, (b.year - a.year) * 12 + b.month - a.month)
    if grain == "week":
        return max(1, (b - a).days // 7)
    return max(1, (b - a).days)


def _lifecycle(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
               voc: Vocabulary) -> None:
    period = it.periods[0] if it.periods else Period(
        anchor - timedelta(days=anchor.weekday()), anchor, "this week", "week")
    interval = period.grain if period.grain in ("day", "week", "month") else "week"
    acts = actions_in(text)
    it.queries["main"] = LifecycleQuery(
        series=EventSeries(event=acts[0][1] if acts else None, filters=filters),
        interval=interval, date_range=_range(period))
    it.answer_style = "lifecycle"
    named = [k for k, word in (("new", "new"), ("returning", "returning"),
                               ("resurrecting", "resurrect"), ("dormant", "dormant"))
             if re.search(rf"\b{word}", text)]
    it.direction = named[0] if len(named) == 1 else None


def _stickiness(it: Interpretation, text: str, filters: list, raw: str | None, anchor: date,
                voc: Vocabulary) -> None:
    period = it.periods[0] if it.periods else None
    interval = "week" if re.search(r"\bweeks?\b", text) and not re.search(r"\bdays\b", text) \
        else "day"
    m = re.search(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(or more\s+)?(days?|weeks?)\b",
                  text)
    n = (int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]) if m else 1
    it.top_n = n
    acts = actions_in(text)
    it.queries["main"] = StickinessQuery(
        series=[EventSeries(event=acts[0][1] if acts else None, filters=filters)],
        interval=interval, date_range=_range(period))
    it.direction = "at_least" if (m and m.group(2)) or not m else "exactly"
    it.answer_style = "stickiness"


_BUILDERS = {"trends": _trends, "top": _top, "compare": _compare, "funnel": _funnel,
             "retention": _retention, "lifecycle": _lifecycle, "stickiness": _stickiness}
