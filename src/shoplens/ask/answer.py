"""Running an interpretation and saying the answer in one sentence whose numbers all come
from the query results."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shoplens.ask.parser import Interpretation
from shoplens.engines import Engine
from shoplens.insights.result import InsightResult


@dataclass
class Answer:
    """The answer to a question: the sentence, the numbers behind it and the queries."""

    question: str
    sentence: str
    numbers: dict[str, float | int | None] = field(default_factory=dict)
    interpretation: Interpretation | None = None
    results: dict[str, InsightResult] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return self.interpretation is not None and self.interpretation.reason is None

    def to_json(self) -> dict[str, Any]:
        it = self.interpretation
        return {
            "question": self.question, "answer": self.sentence, "numbers": self.numbers,
            "answered": self.answered,
            **(it.to_json() if it else {}),
            "results": {k: r.to_dict() for k, r in self.results.items()},
        }


def fmt(value: float | int | None, unit: str = "count") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if unit == "money":
        return f"{value:,.2f}"
    if unit == "ratio":
        return f"{value:.1%}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _series_value(series: dict[str, Any]) -> float | None:
    """The whole period's value of a trends series."""
    total = series.get("total")
    if total is not None:
        return total
    values = [p["value"] for p in series.get("points", []) if p.get("value") is not None]
    return sum(values) if values else None


def _main_series(payload: dict[str, Any]) -> list[dict[str, Any]]:
    series = payload.get("series") or []
    formula = [s for s in series if s.get("formula") or s.get("label") == "formula"]
    return formula or [s for s in series if not s.get("compare")]


def _period_text(it: Interpretation, role: int = 0) -> str:
    if len(it.periods) > role:
        p = it.periods[role]
        return f"in {p.describe()}"
    return "over all the data"


def answer(engine: Engine, it: Interpretation, run: Any | None = None) -> Answer:
    """Run ``it``'s queries on ``engine`` and say the answer."""
    if it.reason is not None:
        return Answer(it.question, f"This data cannot answer that, because {it.reason}.",
                      interpretation=it)
    if run is None:
        from shoplens.insights.runner import run as run_insight

        run = run_insight
    results = {role: run(engine, q) for role, q in it.queries.items()}
    say = _STYLES[it.answer_style]
    sentence, numbers = say(it, results)
    if it.notes:
        sentence += " (" + "; ".join(it.notes) + ")"
    return Answer(it.question, sentence, numbers, it, results)


def _number(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    series = _main_series(results["main"].to_dict())
    value = _series_value(series[0]) if series else None
    unit = it.measure.unit if it.measure else "count"
    label = it.measure.label if it.measure else "value"
    where = f" where {it.filters_text}" if it.filters_text else ""
    return (f"{fmt(value, unit)} {label}{where} {_period_text(it)}.", {"value": value})


def _ranked(payload: dict[str, Any]) -> list[tuple[str, float]]:
    rows = []
    for s in _main_series(payload):
        bv = s.get("breakdown_value")
        if bv is None or bv == "other" or s.get("is_other"):
            continue
        name = " / ".join(map(str, bv)) if isinstance(bv, list) else str(bv)
        value = _series_value(s)
        if value is not None:
            rows.append((name, value))
    return rows


def _top(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    rows = sorted(_ranked(results["main"].to_dict()), key=lambda r: r[1],
                  reverse=it.direction != "min")[: it.top_n]
    unit = it.measure.unit if it.measure else "count"
    label = it.measure.label if it.measure else "value"
    if not rows:
        return f"No {label} {_period_text(it)}.", {}
    if len(rows) == 1:
        name, value = rows[0]
        word = "lowest" if it.direction == "min" else "highest"
        return (f"{name} has the {word} {label} {_period_text(it)}: {fmt(value, unit)}.",
                {name: value})
    listed = ", ".join(f"{n} ({fmt(v, unit)})" for n, v in rows)
    return f"Top {len(rows)} by {label} {_period_text(it)}: {listed}.", dict(rows)


def _compare(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    unit = it.measure.unit if it.measure else "count"
    label = it.measure.label if it.measure else "value"
    a_text = _period_text(it, 0)
    b_text = f"in {it.periods[1].describe()}" if len(it.periods) > 1 else "in the period before"
    main, other = results["main"].to_dict(), results["other"].to_dict()
    if any(s.get("breakdown_value") is not None for s in main.get("series", [])):
        now, before = dict(_ranked(main)), dict(_ranked(other))
        changes = {k: now.get(k, 0.0) - before.get(k, 0.0) for k in set(now) | set(before)}
        if not changes:
            return f"No {label} in either period.", {}
        pick = (min if it.direction == "min" else max)(changes, key=lambda k: (changes[k], k))
        verb = "lost the most" if it.direction == "min" else "gained the most"
        a, b = now.get(pick, 0.0), before.get(pick, 0.0)
        return (f"{pick} {verb} {label}: {fmt(a, unit)} {a_text} against {fmt(b, unit)} "
                f"{b_text} ({_signed(a - b, unit)}{_pct(a, b)}).",
                {"value": a, "previous": b, "change": a - b, "breakdown_value": pick})
    a = _series_value(_main_series(main)[0]) or 0.0
    b = _series_value(_main_series(other)[0]) or 0.0
    return (f"{label.capitalize()} {a_text}: {fmt(a, unit)}, against {fmt(b, unit)} {b_text} "
            f"({_signed(a - b, unit)}{_pct(a, b)}).", {"value": a, "previous": b, "change": a - b})


def _signed(v: float, unit: str) -> str:
    return ("+" if v >= 0 else "−") + fmt(abs(v), unit)


def _pct(a: float, b: float) -> str:
    return f", {(a - b) / b:+.1%}" if b else ""


def _funnel(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    steps = results["main"].to_dict().get("steps", [])
    if not steps or not steps[0].get("count"):
        return f"No one entered the funnel {_period_text(it)}.", {}
    first, last = steps[0], steps[-1]
    rate = last["count"] / first["count"]
    parts = [f"{fmt(s['count'])} {s.get('name')}" for s in steps]
    return (f"Conversion {_period_text(it)}: {fmt(rate, 'ratio')} "
            f"({' → '.join(parts)}).",
            {"conversion": rate, **{f"step_{i}": s["count"] for i, s in enumerate(steps)}})


def _retention(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    cohorts = results["main"].to_dict().get("cohorts", [])
    k = it.top_n
    if not cohorts:
        return f"No users started {_period_text(it)}.", {}
    c = cohorts[0]
    size = c.get("size") or 0
    back = c["values"][k] if len(c.get("values", [])) > k else None
    if not size or back is None:
        return f"No users started in {c.get('cohort')}.", {"size": size}
    rate = back / size
    return (f"{fmt(rate, 'ratio')} came back: {fmt(back)} of the {fmt(size)} users of "
            f"the cohort starting {c.get('cohort')} were active {k} "
            f"{results['main'].query.get('period', 'period')}(s) later.",
            {"rate": rate, "returned": back, "size": size})


def _lifecycle(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    points = results["main"].to_dict().get("points", [])
    if not points:
        return f"No activity {_period_text(it)}.", {}
    keys = ("new", "returning", "resurrecting", "dormant")
    totals = {k: sum(p.get(k) or 0 for p in points) for k in keys}
    if it.direction in totals:
        k = it.direction
        return (f"{fmt(abs(totals[k]))} {k} users {_period_text(it)}.", {k: totals[k]})
    listed = ", ".join(f"{fmt(abs(totals[k]))} {k}" for k in keys)
    return f"Users {_period_text(it)}: {listed}.", totals


def _stickiness(it: Interpretation, results: dict[str, InsightResult]) -> tuple[str, dict]:
    series = results["main"].to_dict().get("series", [])
    points = series[0].get("points", []) if series else []
    n = it.top_n
    if it.direction == "exactly":
        users = sum(p["users"] for p in points if p["intervals"] == n)
        what = f"exactly {n}"
    else:
        users = sum(p["users"] for p in points if p["intervals"] >= n)
        what = f"{n} or more"
    unit = results["main"].query.get("interval", "day")
    return (f"{fmt(users)} users were active on {what} {unit}s {_period_text(it)}.",
            {"users": users})


_STYLES = {"number": _number, "top": _top, "compare": _compare, "funnel": _funnel,
           "retention": _retention, "lifecycle": _lifecycle, "stickiness": _stickiness}
