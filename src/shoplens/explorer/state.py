"""The state of a page lives in its URL: form fields <-> query documents.

A page's form is submitted with GET, so its fields *are* the URL and a link reproduces
the view. :func:`doc_from_params` turns the fields of a page into a query document of
:mod:`shoplens.insights.schema` (validated there); :func:`params_from_doc` goes back
(used for links to saved insights). A document the form cannot express (nested filter
groups, per-series filters ...) travels whole as ``q=<JSON>``.

Fields (repeated fields are parallel lists)
    common: ``from``, ``to``, filters ``fp`` (property), ``fo`` (operator), ``fv`` (value;
    comma-separated for ``in``/``not_in``), ``breakdown`` (repeatable)
    trends: ``event``, ``math``, ``prop`` per series; ``interval``, ``compare``,
    ``cumulative``, ``formula``
    retention: ``start``, ``return``, ``period``, ``intervals``, ``rtype``, ``measure``,
    ``cumulative``
    lifecycle: ``event``, ``interval``; stickiness: ``event`` (repeatable), ``interval``
    funnels: ``step`` (repeatable), ``window``, ``order``, ``count_by``, ``view``,
    ``trend_interval``
    paths: ``start``, ``end``, ``steps``, ``level``, ``top_n``, ``exclude`` (comma-separated)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError

from shoplens.insights.schema import parse_query

MultiParams = Mapping[str, Sequence[str]]

DEFAULTS: dict[str, dict[str, Any]] = {
    "trends": {"kind": "trends", "series": [{"event": None, "math": "total"}],
               "date_range": {"date_from": "-30d"}, "interval": "day"},
    "retention": {"kind": "retention", "date_range": {"date_from": "-12w"}, "period": "week",
                  "total_intervals": 8},
    "lifecycle": {"kind": "lifecycle", "date_range": {"date_from": "-12w"}, "interval": "week"},
    "stickiness": {"kind": "stickiness", "date_range": {"date_from": "-30d"}, "interval": "day"},
    "funnels": {"kind": "funnels", "steps": [{"event": "action:view"}, {"event": "action:cart"},
                                             {"event": "action:purchase"}],
                "date_range": {"date_from": "-30d"}},
    "paths": {"kind": "paths", "date_range": {"date_from": "-30d"}, "steps": 5},
}


class BadState(ValueError):
    """A URL whose fields do not make a valid query; the message is for the page."""


def _one(params: MultiParams, name: str) -> str | None:
    values = params.get(name) or []
    value = values[-1].strip() if values else ""
    return value or None


def _many(params: MultiParams, name: str) -> list[str]:
    return [v.strip() for v in params.get(name) or []]


def _flag(params: MultiParams, name: str) -> bool:
    return (_one(params, name) or "").lower() in ("1", "on", "true", "yes")


def _filters(params: MultiParams) -> list[dict[str, Any]]:
    props, ops, values = _many(params, "fp"), _many(params, "fo"), _many(params, "fv")
    out = []
    for i, prop in enumerate(props):
        if not prop:
            continue
        op = (ops[i] if i < len(ops) else "") or "eq"
        raw = values[i] if i < len(values) else ""
        value: Any
        if op in ("is_set", "is_not_set"):
            value = None
        elif op in ("in", "not_in"):
            value = [v.strip() for v in raw.split(",") if v.strip()]
        else:
            value = raw
        out.append({"property": prop, "operator": op, "value": value})
    return out


def _breakdowns(params: MultiParams) -> list[dict[str, Any]]:
    return [{"property": b} for b in _many(params, "breakdown") if b]


def _event(value: str | None) -> str | None:
    return None if value in (None, "", "*") else value


def _build(kind: str, p: MultiParams) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": kind}
    date_range = {k: v for k, v in (("date_from", _one(p, "from")), ("date_to", _one(p, "to"))) if v}
    if date_range:
        doc["date_range"] = date_range
    if filters := _filters(p):
        doc["filters"] = filters
    breakdowns = _breakdowns(p)
    if kind == "trends":
        events, maths, props = _many(p, "event"), _many(p, "math"), _many(p, "prop")
        series = []
        for i, event in enumerate(events or [""]):
            s: dict[str, Any] = {"event": _event(event), "math": (maths[i] if i < len(maths) else "")
                                 or "total"}
            if i < len(props) and props[i]:
                s["math_property"] = props[i]
            series.append(s)
        doc["series"] = series
        doc.update(_opt(p, interval="interval", formula="formula"))
        doc.update({k: True for k in ("compare", "cumulative") if _flag(p, k)})
    elif kind == "retention":
        doc["start_event"] = {"event": _event(_one(p, "start"))}
        doc["return_event"] = {"event": _event(_one(p, "return"))}
        doc.update(_opt(p, period="period", total_intervals="intervals",
                        retention_type="rtype", measure="measure"))
        if _flag(p, "cumulative"):
            doc["cumulative"] = True
    elif kind == "lifecycle":
        doc["series"] = {"event": _event(_one(p, "event"))}
        doc.update(_opt(p, interval="interval"))
    elif kind == "stickiness":
        doc["series"] = [{"event": _event(e)} for e in _many(p, "event") or [""]]
        doc.update(_opt(p, interval="interval"))
    elif kind == "funnels":
        doc["steps"] = [{"event": _event(s)} for s in _many(p, "step") if s]
        doc.update(_opt(p, window="window", order="order", count_by="count_by", view="view",
                        trend_interval="trend_interval"))
    elif kind == "paths":
        doc.update(_opt(p, start="start", end="end", steps="steps", level="level", top_n="top_n"))
        if exclude := _one(p, "exclude"):
            doc["exclude"] = [e.strip() for e in exclude.split(",") if e.strip()]
    if breakdowns and kind != "paths":
        doc["breakdowns"] = breakdowns
    return doc


def _opt(p: MultiParams, **fields: str) -> dict[str, str]:
    return {key: v for key, name in fields.items() if (v := _one(p, name)) is not None}


def describe_error(exc: ValidationError) -> str:
    """A pydantic error as short lines a person can act on (no stack, no internals)."""
    lines = []
    for err in exc.errors()[:6]:
        loc = [str(x) for x in err.get("loc", ()) if not str(x).endswith("Query")
               and x not in ("trends", "retention", "lifecycle", "stickiness", "funnels", "paths")]
        where = " → ".join(loc) or "query"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{where}: {msg}")
    return "; ".join(lines)


def doc_from_params(kind: str, params: MultiParams) -> BaseModel:
    """The validated query of page ``kind`` from its URL fields (or ``q``).

    Raises
    ------
    BadState
        With a readable message when the fields do not make a valid query.
    """
    raw_q = _one(params, "q")
    if raw_q is not None:
        try:
            doc = json.loads(raw_q)
        except json.JSONDecodeError as exc:
            raise BadState(f"q: not a JSON document ({exc.msg} at character {exc.pos})") from None
        if not isinstance(doc, dict):
            raise BadState("q: the query must be a JSON object")
        doc.setdefault("kind", kind)
        if doc["kind"] != kind:
            raise BadState(f"q: a {doc['kind']!r} query cannot open on the {kind} page")
    elif not any(k in params for k in _FIELDS):
        doc = DEFAULTS[kind]
    else:
        doc = _build(kind, params)
    try:
        return parse_query(doc)
    except ValidationError as exc:
        raise BadState(describe_error(exc)) from None


_FIELDS = frozenset({"from", "to", "fp", "breakdown", "event", "math", "interval", "start",
                     "return", "period", "intervals", "step", "window", "steps", "level"})


def params_from_doc(doc: BaseModel) -> list[tuple[str, str]]:
    """URL fields that rebuild ``doc`` (``q=<JSON>`` when the form cannot express it)."""
    data = doc.model_dump(mode="json", exclude_defaults=True)
    kind = doc.kind  # type: ignore[attr-defined]
    fields = _fields_for(kind, data)
    try:
        same = doc_from_params(kind, _multi(fields)) == doc
    except BadState:
        same = False
    if same:
        return fields
    return [("q", json.dumps(doc.model_dump(mode="json", exclude_defaults=True) | {"kind": kind},
                             separators=(",", ":")))]


def _multi(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in fields:
        out.setdefault(k, []).append(v)
    return out


def _fields_for(kind: str, d: dict[str, Any]) -> list[tuple[str, str]]:
    f: list[tuple[str, str]] = []
    dr = d.get("date_range", {})
    for key, name in (("date_from", "from"), ("date_to", "to")):
        if dr.get(key):
            f.append((name, dr[key]))
    for flt in d.get("filters", []):
        value = flt.get("value")
        f += [("fp", flt.get("property", "")), ("fo", flt.get("operator", "eq")),
              ("fv", ",".join(map(str, value)) if isinstance(value, list)
               else "" if value is None else str(value))]
    for b in d.get("breakdowns", []):
        f.append(("breakdown", b.get("property", "")))
    simple = {"trends": {"interval": "interval", "formula": "formula"},
              "retention": {"period": "period", "total_intervals": "intervals",
                            "retention_type": "rtype", "measure": "measure"},
              "lifecycle": {"interval": "interval"}, "stickiness": {"interval": "interval"},
              "funnels": {"window": "window", "order": "order", "count_by": "count_by",
                          "view": "view", "trend_interval": "trend_interval"},
              "paths": {"start": "start", "end": "end", "steps": "steps", "level": "level",
                        "top_n": "top_n"}}[kind]
    f += [(name, str(d[key])) for key, name in simple.items() if key in d]
    if kind == "trends":
        for s in d.get("series", []):
            f += [("event", s.get("event") or ""), ("math", s.get("math", "total")),
                  ("prop", s.get("math_property") or "")]
        f += [(k, "on") for k in ("compare", "cumulative") if d.get(k)]
    elif kind == "retention":
        f += [("start", (d.get("start_event") or {}).get("event") or ""),
              ("return", (d.get("return_event") or {}).get("event") or "")]
        if d.get("cumulative"):
            f.append(("cumulative", "on"))
    elif kind == "lifecycle":
        f.append(("event", (d.get("series") or {}).get("event") or ""))
    elif kind == "stickiness":
        f += [("event", s.get("event") or "") for s in d.get("series", [{}])]
    elif kind == "funnels":
        f += [("step", s.get("event") or "*") for s in d.get("steps", [])]
    elif kind == "paths" and d.get("exclude"):
        f.append(("exclude", ",".join(d["exclude"])))
    return f


def url_for(doc: BaseModel) -> str:
    """The page URL (path and query string) showing ``doc``."""
    return f"/{doc.kind}?{urlencode(params_from_doc(doc))}"  # type: ignore[attr-defined]
