"""The JSON endpoints the pages call. The browser sends query documents, never SQL;
each is validated here (a bad one gets a 400 with the reason)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from shoplens.engines.base import redact
from shoplens.explorer.datasource import JOB_ID, DatabaseUnavailable, QueryCancelled
from shoplens.explorer.runs import NeedsWrite, NotAvailable, csv_of, run_insight
from shoplens.explorer.state import BadState, describe_error, doc_from_params, url_for
from shoplens.explorer.vocabulary import property_values
from shoplens.insights.schema import KINDS, parse_query

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer

MAX_BODY = 256 * 1024


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": redact(message), **extra}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    if "application/json" not in request.headers.get("content-type", ""):
        raise BadState("send the request as application/json")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadState("request too large")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadState(f"not a JSON document ({exc.msg})") from None
    if not isinstance(data, dict):
        raise BadState("the request must be a JSON object")
    return data


def _query(doc: Any) -> Any:
    if not isinstance(doc, dict):
        raise BadState("query: a query document (JSON object) is required")
    if doc.get("kind") not in KINDS:
        raise BadState(f"query → kind: use one of {', '.join(KINDS)}")
    try:
        return parse_query(doc)
    except ValidationError as exc:
        raise BadState(describe_error(exc)) from None


def _failure(exc: Exception) -> JSONResponse:
    if isinstance(exc, BadState):
        return error(400, str(exc))
    if isinstance(exc, QueryCancelled):
        return error(409, "cancelled", cancelled=True)
    if isinstance(exc, DatabaseUnavailable):
        return error(503, str(exc), banner=True)
    if isinstance(exc, NotAvailable):
        return error(501, str(exc))
    if isinstance(exc, NeedsWrite):
        return error(409, str(exc))
    from shoplens.errors import ShopLensError

    if isinstance(exc, ShopLensError):  # the query names an unknown property, say
        return error(400, str(exc))
    return error(500, f"{type(exc).__name__}: {exc}")


def _run_request(body: dict[str, Any]) -> Any:
    """The query of a ``/api/run`` body: a query document (``query``), or a page's form
    fields as its URL would carry them (``kind`` and ``form``, the query string)."""
    if "form" not in body:
        return _query(body.get("query"))
    kind, form = body.get("kind"), body.get("form")
    if kind not in KINDS:
        raise BadState(f"kind: use one of {', '.join(KINDS)}")
    if not isinstance(form, str) or len(form) > MAX_BODY:
        raise BadState("form: the page's fields as a query string")
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(form, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    return doc_from_params(kind, params)


async def run(explorer: Explorer, request: Request) -> Response:
    """``POST /api/run`` ``{"query": {...}, "job": "id"}`` (or ``{"kind", "form"}``, the
    fields of a page's form) -> the packaged result, with the query it answered and the
    URL that shows it."""
    try:
        body = await _json_body(request)
        query = _run_request(body)
        job = body.get("job")
        if job is not None and not (isinstance(job, str) and JOB_ID.match(job)):
            raise BadState("job: letters, digits, - and _ only (at most 64)")
        result, cached = await run_in_threadpool(run_insight, explorer.source, explorer.cache,
                                                 query, job)
    except Exception as exc:
        return _failure(exc)
    # the result was serialised once when computed; only what differs per request is added
    head = json.dumps({"cached": cached, "url": url_for(query),
                       "query": query.model_dump(mode="json")}, separators=(",", ":"))
    return Response(head[:-1].encode() + b"," + result["body"][1:],
                    media_type="application/json")


async def cancel(explorer: Explorer, request: Request) -> Response:
    """``POST /api/cancel`` ``{"job": "id"}``."""
    try:
        body = await _json_body(request)
    except BadState as exc:
        return error(400, str(exc))
    job = body.get("job")
    if not (isinstance(job, str) and JOB_ID.match(job)):
        return error(400, "job: letters, digits, - and _ only (at most 64)")
    return JSONResponse({"cancelled": explorer.source.cancel(job)})


async def csv(explorer: Explorer, request: Request) -> Response:
    """``GET /api/csv?kind=trends&<page fields>`` -> the result table as CSV."""
    kind = request.query_params.get("kind", "")
    if kind not in KINDS:
        return error(400, f"kind: use one of {', '.join(KINDS)}")
    from shoplens.explorer.pages.insight import multi_params

    try:
        query = doc_from_params(kind, multi_params(request))
        result, _ = await run_in_threadpool(run_insight, explorer.source, explorer.cache, query)
    except Exception as exc:
        return _failure(exc)
    return Response(csv_of(result), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="shoplens-{kind}.csv"'})


async def values(explorer: Explorer, request: Request) -> Response:
    """``GET /api/values?property=user.country`` -> the most frequent values."""
    prop = request.query_params.get("property", "")[:200]
    try:
        found = await run_in_threadpool(property_values, explorer.source, explorer.cache, prop)
    except Exception as exc:
        return _failure(exc)
    return JSONResponse({"property": prop, "values": found})


async def status(explorer: Explorer, request: Request) -> Response:
    st = await run_in_threadpool(explorer.source.status)
    return JSONResponse({"ok": st.ok, "message": st.message, "running": explorer.source.running(),
                         "cache": {"entries": len(explorer.cache), "hits": explorer.cache.hits,
                                   "misses": explorer.cache.misses}})


async def overview(explorer: Explorer, request: Request) -> Response:
    from shoplens.explorer.pages.overview import overview_data

    try:
        data, cached = await run_in_threadpool(overview_data, explorer)
    except Exception as exc:
        return _failure(exc)
    return JSONResponse({**data, "cached": cached})


async def save(explorer: Explorer, request: Request) -> Response:
    """``POST /api/saved`` ``{"name", "query", "dashboard"?}`` -> the saved insight."""
    try:
        body = await _json_body(request)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise BadState("name: 1 to 200 characters")
        query = _query(body.get("query"))
        board = body.get("dashboard")
        if board is not None and (not isinstance(board, str) or len(board) > 200):
            raise BadState("dashboard: a dashboard id or a new dashboard's name")
        doc = query.model_dump(mode="json", exclude_defaults=True) | {"kind": query.kind}
        item = await run_in_threadpool(explorer.store.save_insight, name, doc, board or None)
    except Exception as exc:
        return _failure(exc)
    return JSONResponse(item.model_dump(mode="json"), status_code=201)


async def delete_saved(explorer: Explorer, request: Request) -> Response:
    try:
        body = await _json_body(request)
    except BadState as exc:
        return error(400, str(exc))
    item = body.get("id")
    if not isinstance(item, str) or not JOB_ID.match(item):
        return error(400, "id: a saved insight's id")
    return JSONResponse({"deleted": await run_in_threadpool(explorer.store.delete_insight, item)})
