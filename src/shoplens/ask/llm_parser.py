"""Questions to query documents through a language model (Gemini, OpenAI-compatible).

The model is given the query model's JSON schema, the shop's vocabulary (event names,
property names and values such as countries, categories and brands — never a user id
or anything personal) and the question with personal data withheld; it answers with
one query document. The document is validated against the schema and the vocabulary;
an invalid one is sent back once with the errors (:meth:`Provider.complete_json`) and
then rejected with a clear message. Model-written SQL never reaches the database: only
validated documents run.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.ask.parser import Interpretation, check_question
from shoplens.ask.vocabulary import Vocabulary
from shoplens.insights.schema import InsightQuery, PropertyFilter
from shoplens.llm import Provider

SYSTEM = """You turn a growth team's question about their online shop into ONE ShopLens
insight query document. Never write SQL. Use only the shop's events and property values
listed below. Event references: a raw event name from the list, "action:NAME" (view, cart,
remove, purchase, refund, checkout, search) or "stage:NAME" (browse, consideration,
checkout, conversion), or null for any event. Property references look like
"user.country", "product.category", "product.brand", "user.channel", "user.device",
"event.price", "event.revenue", "time.weekday". Revenue is math "sum" of math_property
"revenue" on "action:purchase"; orders are math "unique_sessions" on "action:purchase";
average order value is those two series with formula "A / B". Dates are absolute ISO dates;
the data's last day is {anchor}: "last month" means the calendar month before it. If the
data cannot answer (costs, profit, ad spend, ratings...), set query to null and say why in
cannot_answer. State any interpretation you chose in interpretation."""


class AskDocument(BaseModel):
    """What the model must answer."""

    model_config = ConfigDict(extra="forbid")

    query: InsightQuery | None = None
    compare_query: InsightQuery | None = Field(
        None, description="the same query over the period to compare with, if any")
    interpretation: str = Field("", max_length=1000)
    cannot_answer: str | None = Field(None, max_length=500)


def _problems(doc: AskDocument, voc: Vocabulary) -> list[str]:
    """Names the vocabulary does not know (sent back to the model once)."""
    problems: list[str] = []
    known_props = set(voc.property_values) | {
        "event.price", "event.revenue", "event.quantity", "event.product_id", "event.raw_event",
        "event.event_type", "time.weekday", "time.hour", "user.signup_date", "user.cohort",
        "session.n_events"}
    for q in (doc.query, doc.compare_query):
        if q is None:
            continue
        body = q.model_dump()
        for event in _walk(body, "event"):
            if event and not event.startswith(("action:", "stage:")) and event not in voc.events:
                problems.append(f"unknown event {event!r}")
        for prop in _walk(body, "property") + _walk(body, "math_property"):
            if not prop:
                continue
            name = prop if "." in prop else f"event.{prop}"
            if name not in known_props and not prop.startswith("event."):
                problems.append(f"unknown property {prop!r}")
        for f in _walk_filters(body):
            allowed = voc.property_values.get(f.property)
            values = f.value if isinstance(f.value, list) else [f.value]
            if allowed and f.operator in ("eq", "neq", "in", "not_in"):
                bad = [v for v in values if v not in allowed]
                if bad:
                    problems.append(f"{f.property} has no value {bad[0]!r}")
    if doc.query is None and not doc.cannot_answer:
        problems.append("give a query, or say in cannot_answer why the data cannot answer")
    return problems


def _walk(node: Any, key: str) -> list[Any]:
    out: list[Any] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str | type(None)):
                out.append(v)
            else:
                out += _walk(v, key)
    elif isinstance(node, list):
        for v in node:
            out += _walk(v, key)
    return out


def _walk_filters(node: Any) -> list[PropertyFilter]:
    out: list[PropertyFilter] = []
    if isinstance(node, dict):
        if node.get("type") == "property" and "operator" in node:
            out.append(PropertyFilter(**node))
        for v in node.values():
            out += _walk_filters(v)
    elif isinstance(node, list):
        for v in node:
            out += _walk_filters(v)
    return out


def llm_parse(question: str, voc: Vocabulary, provider: Provider, *,
              anchor: date | None = None) -> Interpretation:
    """Ask ``provider`` for the query document of ``question`` (validated)."""
    from shoplens.ask.privacy import withhold

    text = check_question(question)
    safe, withheld = withhold(text)
    anchor = anchor or voc.last_day or date.today()
    system = SYSTEM.format(anchor=anchor.isoformat())
    prompt = (f"Shop vocabulary (JSON): {json.dumps(voc.summary(), default=str)}\n\n"
              f"Question: {safe}")
    doc = provider.complete_json(prompt, AskDocument, system=system,
                                 check=lambda d: _problems(d, voc))
    it = Interpretation(text, "llm", method=f"{provider.name} model {provider.model}")
    if withheld:
        it.notes.append(f"{withheld} personal item(s) withheld from the model")
    if doc.interpretation:
        it.notes.append(doc.interpretation)
    if doc.query is None:
        it.intent = "unanswerable"
        it.reason = doc.cannot_answer
        return it
    it.queries["main"] = doc.query
    kind = doc.query.kind
    if doc.compare_query is not None:
        it.queries["other"] = doc.compare_query
        it.answer_style, it.intent = "compare", "compare"
    elif kind == "trends" and doc.query.breakdowns:
        it.answer_style, it.intent, it.top_n = "top", "top", 10
        it.direction = "max"
    else:
        it.intent = {"funnels": "funnel"}.get(kind, "trends" if kind == "trends" else kind)
        it.answer_style = {"trends": "number", "funnels": "funnel"}.get(kind, kind)
    return it
