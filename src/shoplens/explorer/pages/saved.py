"""Saved insights and dashboards (kept in the explorer's own file, not in the database)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.responses import HTMLResponse

from shoplens.explorer.pages import Page
from shoplens.explorer.state import url_for
from shoplens.insights.schema import parse_query

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer

TITLE = "Saved"
DESCRIPTION = "Insights saved from any page, and dashboards of them."


def _link(doc: dict) -> str:
    try:
        return url_for(parse_query(doc))
    except ValueError:
        return f"/{doc.get('kind', 'trends')}"


def handle(explorer: Explorer, request: Request) -> HTMLResponse:
    insights = explorer.store.insights()
    by_id = {i.id: i for i in insights}
    board_id = request.query_params.get("dashboard")
    board = explorer.store.dashboard(board_id) if board_id else None
    tiles = []
    if board is not None:
        for iid in board.insights:
            item = by_id.get(iid)
            if item is not None:
                tiles.append({"name": item.name, "kind": item.query.get("kind"),
                              "link": _link(item.query),
                              "query_json": json.dumps(item.query, separators=(",", ":"))})
    return HTMLResponse(explorer.render(
        "saved.html.j2", title=board.name if board else TITLE, description=DESCRIPTION,
        insights=[{"id": i.id, "name": i.name, "kind": i.query.get("kind"),
                   "link": _link(i.query), "created_at": i.created_at} for i in insights],
        dashboards=explorer.store.dashboards(), board=board, tiles=tiles,
        not_found=bool(board_id) and board is None),
        status_code=404 if board_id and board is None else 200)


PAGE = Page(key="saved", title=TITLE, handler=handle, description=DESCRIPTION)
