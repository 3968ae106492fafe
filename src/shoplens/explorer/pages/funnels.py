"""The funnels page: the funnels query's form and chart (see :mod:`shoplens.explorer.pages.insight`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shoplens.explorer.pages import Page
from shoplens.explorer.pages.insight import insight_page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from shoplens.explorer.context import Explorer

TITLE = "Funnels"
DESCRIPTION = "How many go through each step, in order, within a window."


def handle(explorer: Explorer, request: Request) -> Response:
    return insight_page(explorer, request, "funnels", TITLE, DESCRIPTION)


PAGE = Page(key="funnels", title=TITLE, handler=handle, description=DESCRIPTION)
