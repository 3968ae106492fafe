"""The segments page: browse the segments of the last ``shoplens segment`` run, search
the ``user_segments`` index through the search engine, and list the users of a segment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.responses import HTMLResponse

from shoplens.engines.base import redact
from shoplens.explorer.datasource import DatabaseUnavailable
from shoplens.explorer.pages import Page

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer

TITLE = "Segments"
DESCRIPTION = "Who the shoppers are: segments, RFM groups, search, and the users behind each."
USERS_SHOWN = 200

_SIZES = ("SELECT segment, count(*) AS users FROM user_segments GROUP BY segment "
          "ORDER BY users DESC, segment")
_RFM = ("SELECT rfm_segment, count(*) AS users FROM user_segments GROUP BY rfm_segment "
        "ORDER BY users DESC, rfm_segment")
_MEMBERS = ("SELECT s.user_id, u.country, s.rfm_segment, s.r_score, s.f_score, s.m_score "
            "FROM user_segments AS s LEFT JOIN users AS u ON u.user_id = s.user_id "
            "WHERE s.segment = :segment ORDER BY s.user_id LIMIT :n")
_COUNT = "SELECT count(*) FROM user_segments WHERE segment = :segment"
_MATCH = ("FROM user_segments AS s LEFT JOIN users AS u ON u.user_id = s.user_id "
          "WHERE lower(s.user_id) LIKE :p OR lower(s.segment) LIKE :p "
          "OR lower(s.rfm_segment) LIKE :p OR lower(coalesce(u.country, '')) LIKE :p")
_FIND = f"SELECT s.user_id, s.segment, s.rfm_segment, u.country {_MATCH} ORDER BY s.user_id LIMIT :n"
_FIND_COUNT = f"SELECT count(*) {_MATCH}"


def _search(explorer: Explorer, text: str) -> dict[str, Any]:
    url = explorer.settings.search_url
    if url:
        from shoplens.search import connect_search, query_string

        try:
            client = connect_search(url, timeout=10)
            result = query_string(client, text, size=50)
        except Exception as exc:  # unreachable engine, rejected query: say so on the page
            return {"engine": redact(url), "error": redact(str(exc))[:300], "hits": [], "total": 0}
        return {"engine": redact(url), "total": result.total, "hits": result.hits}
    pattern = f"%{text.lower()}%"
    with explorer.source.engine() as engine:
        rows = engine.fetch_df(_FIND, {"p": pattern, "n": 50})
        total = int(engine.scalar(_FIND_COUNT, {"p": pattern}) or 0)
    return {"engine": None, "total": total, "hits": rows.to_dict("records")}


def handle(explorer: Explorer, request: Request) -> HTMLResponse:
    segment = (request.query_params.get("segment") or "").strip()[:200] or None
    text = (request.query_params.get("search") or "").strip()[:500] or None
    ctx: dict[str, Any] = {"title": TITLE, "description": DESCRIPTION, "segment": segment,
                           "search": text, "sizes": [], "rfm": [], "members": None,
                           "found": None, "missing": False}
    try:
        with explorer.source.engine() as engine:
            if not engine.table_exists("user_segments"):
                ctx["missing"] = True
            else:
                ctx["sizes"] = engine.fetch_all(_SIZES)
                ctx["rfm"] = engine.fetch_all(_RFM)
                if segment:
                    ctx["members"] = engine.fetch_df(_MEMBERS, {"segment": segment,
                                                                "n": USERS_SHOWN})
                    ctx["member_count"] = int(engine.scalar(_COUNT, {"segment": segment}) or 0)
        if text and not ctx["missing"]:
            ctx["found"] = _search(explorer, text)
    except DatabaseUnavailable:
        pass
    ctx["trends_link"] = (None if not segment else "/trends?" + urlencode(
        [("event", ""), ("math", "unique_users"), ("fp", "user.segment"), ("fo", "eq"),
         ("fv", segment), ("from", "-90d"), ("interval", "week")]))
    return HTMLResponse(explorer.render("segments.html.j2", **ctx))


PAGE = Page(key="segments", title=TITLE, handler=handle, description=DESCRIPTION)
