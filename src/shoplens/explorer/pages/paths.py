"""The paths page: the paths query's form and chart (see :mod:`shoplens.explorer.pages.insight`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shoplens.explorer.pages import Page
from shoplens.explorer.pages.insight import insight_page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from shoplens.explorer.context import Explorer

TITLE = "Paths"
DESCRIPTION = "The sequences of events users follow, as a sankey."


def handle(explorer: Explorer, request: Request) -> Response:
    return insight_page(explorer, request, "paths", TITLE, DESCRIPTION)


PAGE = Page(key="paths", title=TITLE, handler=handle, description=DESCRIPTION)
