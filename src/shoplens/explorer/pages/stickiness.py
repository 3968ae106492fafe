"""The stickiness page: the stickiness query's form and chart (see :mod:`shoplens.explorer.pages.insight`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shoplens.explorer.pages import Page
from shoplens.explorer.pages.insight import insight_page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from shoplens.explorer.context import Explorer

TITLE = "Stickiness"
DESCRIPTION = "How many users were active in 1, 2, … N intervals of the range."


def handle(explorer: Explorer, request: Request) -> Response:
    return insight_page(explorer, request, "stickiness", TITLE, DESCRIPTION)


PAGE = Page(key="stickiness", title=TITLE, handler=handle, description=DESCRIPTION)
