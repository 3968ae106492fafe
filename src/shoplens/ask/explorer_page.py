"""The explorer's "Ask" page: a question box whose answer links to the insight page of the
query that answered it, where the user can edit it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.responses import HTMLResponse

from shoplens.ask import Asker
from shoplens.ask.parser import MAX_QUESTION, query_document
from shoplens.errors import ShopLensError
from shoplens.explorer.datasource import DatabaseUnavailable
from shoplens.explorer.pages import Page
from shoplens.explorer.state import params_from_doc

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer

TITLE = "Ask"
DESCRIPTION = ("A question in plain English, answered offline from this database's own "
               "vocabulary; open the query behind the answer to edit it.")
EXAMPLES = ("How many people bought in the US last month?",
            "Top 5 brands by revenue this quarter",
            "Which category lost the most revenue last month?",
            "What is the conversion rate from view to purchase last month?",
            "What share of users who bought last month came back this month?")
_PAGE_OF = {"trends": "trends", "funnels": "funnels", "retention": "retention",
            "lifecycle": "lifecycle", "stickiness": "stickiness", "paths": "paths"}


def handle(explorer: Explorer, request: Request) -> HTMLResponse:
    question = (request.query_params.get("q") or "").strip()[: MAX_QUESTION + 1]
    ctx: dict[str, Any] = {"title": TITLE, "description": DESCRIPTION, "question": question,
                           "examples": EXAMPLES, "answer": None, "error": None, "queries": []}
    if question:
        try:
            with explorer.source.engine() as engine:
                result = Asker(engine).ask(question)
            ctx["answer"] = result.sentence
            for role, q in (result.interpretation.queries.items()
                            if result.interpretation else []):
                link = f"/{_PAGE_OF[q.kind]}?" + urlencode(params_from_doc(q))
                ctx["queries"].append({"role": role, "kind": q.kind, "link": link,
                                       "json": json.dumps(query_document(q), indent=2)})
            ctx["method"] = result.interpretation.method if result.interpretation else ""
        except DatabaseUnavailable as exc:
            ctx["error"] = str(exc)
        except ShopLensError as exc:
            ctx["error"] = str(exc)
    status = 400 if ctx["error"] and question else 200
    return HTMLResponse(explorer.render("ask.html.j2", **ctx), status_code=status)


PAGE = Page(key="ask", title=TITLE, handler=handle, description=DESCRIPTION)
