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
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.events.funnel import funnel
from shoplens.events.offline import offline_insights
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


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, datetime | date):
        return o.isoformat()
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
