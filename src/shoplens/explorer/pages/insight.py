"""What every insight page shares: the query from the URL, the form's vocabulary, the
page that loads its result through ``/api/run``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, get_args

from starlette.responses import HTMLResponse

from shoplens.explorer.datasource import DatabaseUnavailable
from shoplens.explorer.state import DEFAULTS, BadState, doc_from_params, url_for
from shoplens.explorer.vocabulary import event_names, properties
from shoplens.insights.schema import Math, Operator, parse_query

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer

MATHS = get_args(Math)
OPERATORS = get_args(Operator)


def multi_params(request: Request) -> dict[str, list[str]]:
    """The query string as name -> every value (repeated fields keep their order)."""
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, []).append(value)
    return out


def vocabulary(explorer: Explorer) -> dict[str, Any]:
    """Event names and properties for the forms; empty while the database is unavailable."""
    try:
        events = event_names(explorer.source, explorer.cache)
        props = properties(explorer.source, explorer.cache)
    except DatabaseUnavailable:
        events, props = [], []
    return {"events": events, "properties": props, "maths": MATHS, "operators": OPERATORS}


def insight_page(explorer: Explorer, request: Request, kind: str, title: str,
                 description: str) -> HTMLResponse:
    """The page of one insight kind: its form filled from the URL, the result area."""
    error = None
    try:
        query = doc_from_params(kind, multi_params(request))
    except BadState as exc:
        error = str(exc)
        query = parse_query(DEFAULTS[kind])
    doc = query.model_dump(mode="json")
    html = explorer.render(
        "insight.html.j2", kind=kind, title=title, description=description, q=doc,
        query_json=json.dumps(doc, separators=(",", ":")), error=error,
        url=url_for(query), form=f"forms/{kind}.html.j2", **vocabulary(explorer))
    return HTMLResponse(html, status_code=400 if error else 200)
