"""The words of an alert: offline templates, or a language model's rewrite checked number by
number against the computed statistics (as :mod:`shoplens.events.insights` checks its
evidence).

Offline (the default): "Revenue on 2024-06-12 was 41 % below the expected 1,210
(interval 1,050–1,370); 83 % of the gap comes from country = DE." A model may rewrite
the messages (``--llm gemini|openai``); it is sent the anomalies' aggregates only, and a
rewrite quoting any number that is not one of them is refused: once sent back, then the
offline message is kept.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field

from shoplens.alerts.result import Anomaly
from shoplens.alerts.series import breakdown_label
from shoplens.events.insights import _safe_name
from shoplens.llm import LLMError, Provider

_VERB = {"drop": "below", "spike": "above", "drift": "below"}


def fmt(value: float, unit: str) -> str:
    """A value as people read it: 1,210 · 3,456.78 · 2.4 % for a ratio."""
    if unit == "ratio":
        return f"{100 * value:.1f} %"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if unit == "money" else f"{value:,.1f}"


def _cause_text(a: Anomaly) -> str:
    if not a.causes:
        return "; no single breakdown value stands out (the gap is spread over all of them)"
    first = a.causes[0]
    same = [c for c in a.causes if c.property == first.property]
    values = ", ".join(f"{breakdown_label(c.property)} = {_safe_name(c.value)}" for c in same)
    share = min(sum(c.share_of_gap for c in same), 1.0)  # others may move the other way
    return f"; {100 * share:.0f} % of the gap comes from {values}"


def offline_message(a: Anomaly) -> str:
    """The template message of one anomaly."""
    side = "below" if a.actual < a.expected else "above"
    pct = abs(a.deviation) * 100
    what = "drifted to" if a.kind == "drift" else "was"
    text = (f"{a.label} on {a.day} {what} {pct:.0f} % {side} the expected "
            f"{fmt(a.expected, a.unit)} (interval {fmt(a.lower, a.unit)}–{fmt(a.upper, a.unit)})")
    if a.unit == "ratio" or a.kind == "drift":
        text = text.replace(" (interval", f", at {fmt(a.actual, a.unit)} (interval", 1)
    text += _cause_text(a) + "."
    if a.declared:
        text += f" Declared: {a.declared} (not alerting)."
    return text


# -- language-model rewrite ---------------------------------------------------------------
class AlertMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=0)
    text: str = Field(min_length=10, max_length=600)


class AlertMessages(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[AlertMessage] = Field(min_length=1)


SYSTEM = (
    "You write alerts for an e-commerce growth team. Each alert is about one metric on one "
    "day that left its expected range. Rewrite each alert so that it is clear and says what "
    "to check first. Quote only numbers given in the alert's data (you may round them); "
    "never compute or invent a number."
)

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")


def numbers_in(text: str) -> list[float]:
    """Numbers quoted in a text (dates are not numbers here; 1,210 is 1210)."""
    text = _DATE.sub(" ", text)
    return [float(m.group(0).replace(",", "")) for m in _NUMBER.finditer(text)]


def unsupported_numbers(text: str, known: list[float]) -> list[float]:
    """Numbers in ``text`` that are none of ``known`` (to 0.5 % or to its rounding)."""
    bad = []
    for v in numbers_in(text):
        if not any(abs(v - s) <= max(0.005 * abs(s), 0.5 + 1e-9) for s in known):
            bad.append(v)
    return bad


def _prompt(anomalies: list[Anomaly]) -> str:
    rows = []
    for i, a in enumerate(anomalies):
        rows.append({
            "id": i, "metric": a.label, "day": a.day, "kind": a.kind, "actual": a.actual,
            "expected": a.expected, "interval": [a.lower, a.upper],
            "deviation_percent": round(100 * a.deviation, 1),
            "causes": [{"property": c.property, "value": _safe_name(c.value),
                        "share_of_gap_percent": round(100 * c.share_of_gap, 1),
                        "usual_share_percent": round(100 * c.usual_share, 1)}
                       for c in a.causes],
            "draft": a.message})
    return ("Alerts (JSON):\n" + json.dumps(rows, separators=(",", ":")) +
            '\n\nAnswer {"messages": [{"id", "text"}]} with one message per alert id.')


def rewrite(anomalies: list[Anomaly], provider: Provider) -> list[str]:
    """Messages a model wrote, every number checked; the offline ones where it failed.

    Returns notes on what was kept offline (an empty list when the model's text is used).
    """
    if provider.name == "offline" or not anomalies:
        return []

    def check(answer: AlertMessages) -> list[str]:
        problems = []
        ids = {m.id for m in answer.messages}
        missing = set(range(len(anomalies))) - ids
        if missing:
            problems.append(f"messages missing for ids {sorted(missing)}")
        for m in answer.messages:
            if m.id >= len(anomalies):
                problems.append(f"id {m.id} is not an alert")
                continue
            bad = unsupported_numbers(m.text, anomalies[m.id].numbers())
            if bad:
                problems.append(f"message {m.id} quotes {bad}, which are not numbers of the "
                                "alert; quote its numbers only")
        return problems

    try:
        answer = provider.complete_json(_prompt(anomalies), AlertMessages, system=SYSTEM,
                                        check=check)
    except LLMError as exc:
        return [f"the {provider.name} rewrite was refused ({exc}); offline messages kept"]
    for m in answer.messages:
        anomalies[m.id].message = m.text.strip()
    return []
