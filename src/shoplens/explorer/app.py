"""The explorer's web application (Starlette) and the server that runs it (uvicorn)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from shoplens.explorer import api
from shoplens.explorer.context import Explorer
from shoplens.explorer.pages import pages
from shoplens.explorer.settings import ExplorerSettings, is_loopback

TOKEN_COOKIE = "shoplens_token"
SECURITY_HEADERS = {
    # plotly.js draws with inline styles; every script is a file of this server
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Guard(BaseHTTPMiddleware):
    """Security headers on every response; the token on every request when one is set.

    The token comes as ``Authorization: Bearer <token>``, the ``shoplens_token`` cookie,
    or once as ``?token=`` (then set as an HttpOnly cookie and removed from the URL).
    """

    def __init__(self, app: Any, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        header = request.headers.get("authorization", "")
        offered = (header[7:] if header.lower().startswith("bearer ") else None) \
            or request.cookies.get(TOKEN_COOKIE) or ""
        return hmac.compare_digest(offered.encode(), self.token.encode())

    async def dispatch(self, request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        offered = request.query_params.get("token")
        if self.token is not None and offered is not None \
                and hmac.compare_digest(offered.encode(), self.token.encode()):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return self._headers(response)
        if not self._authorised(request):
            return self._headers(HTMLResponse(
                "<h1>401</h1><p>This ShopLens explorer needs its token: open the link "
                "<code>shoplens serve</code> printed.</p>", status_code=401))
        return self._headers(await call_next(request))

    @staticmethod
    def _headers(response: Response) -> Response:
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response


def _page(explorer: Explorer, key: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        page = pages()[key]
        return await run_in_threadpool(page.handler, explorer, request)

    return endpoint


def _api(explorer: Explorer, fn: Callable[..., Awaitable[Response]]) -> Callable[
        [Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await fn(explorer, request)

    return endpoint


def _warm_up(explorer: Explorer) -> Any:
    """Fill the cache with what every page needs (vocabulary, overview, each page's default
    view) in the background, one query at a time, so the first visitor does not wait; at
    shutdown, stop it and close every connection (a DuckDB query still running when the
    interpreter exits aborts the process)."""
    import contextlib
    import threading

    stop = threading.Event()

    def warm() -> None:
        from shoplens.explorer.pages.overview import overview_data
        from shoplens.explorer.runs import run_insight
        from shoplens.explorer.state import DEFAULTS
        from shoplens.explorer.vocabulary import event_names, properties
        from shoplens.insights.schema import parse_query

        for step in (lambda: event_names(explorer.source, explorer.cache),
                     lambda: properties(explorer.source, explorer.cache),
                     lambda: overview_data(explorer)):
            if stop.is_set():
                return
            try:
                step()
            except Exception:  # the page shows the problem when it is asked
                return
        for i, doc in enumerate(DEFAULTS.values()):  # each page's default view in turn
            if stop.is_set():
                return
            try:
                run_insight(explorer.source, explorer.cache, parse_query(doc), job=f"warm-up-{i}")
            except Exception:
                continue
        if not stop.is_set():  # the alerts page's body (the slowest page to compute)
            from shoplens.explorer.cache import cache_key
            from shoplens.explorer.pages.alerts import compute as alerts

            with contextlib.suppress(Exception):
                explorer.cache.get_or_compute(
                    cache_key("page:alerts", None, explorer.source.version()),
                    lambda: alerts(explorer))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        worker = threading.Thread(target=warm, name="explorer-warm-up", daemon=True)
        worker.start()
        try:
            yield
        finally:
            stop.set()
            explorer.source.close()
            worker.join(5)

    return lifespan


def create_app(settings: ExplorerSettings) -> Starlette:
    """The explorer application over ``settings.db_url`` (read-only)."""
    explorer = Explorer.create(settings)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in explorer.assets:  # a fixed table: no request names a file
            return Response("not found", status_code=404, media_type="text/plain")
        body, media = explorer.assets[name]
        return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"})

    async def not_found(request: Request, exc: Exception) -> Response:
        return HTMLResponse(explorer.render("error.html.j2", title="Not found",
                                            message=f"No page at {request.url.path}."),
                            status_code=404)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [Route("/", _page(explorer, "overview")), Route("/favicon.ico", favicon)]
    routes += [Route(f"/{key}", _page(explorer, key)) for key in pages() if key != "overview"]
    routes += [
        Route("/assets/{name}", asset),
        Route("/api/run", _api(explorer, api.run), methods=["POST"]),
        Route("/api/cancel", _api(explorer, api.cancel), methods=["POST"]),
        Route("/api/csv", _api(explorer, api.csv)),
        Route("/api/values", _api(explorer, api.values)),
        Route("/api/status", _api(explorer, api.status)),
        Route("/api/overview", _api(explorer, api.overview)),
        Route("/api/saved", _api(explorer, api.save), methods=["POST"]),
        Route("/api/saved/delete", _api(explorer, api.delete_saved), methods=["POST"]),
    ]
    middleware = [Middleware(Guard, token=settings.token)]
    if is_loopback(settings.host) and settings.token is None:
        # a loopback server answers only to loopback names: a web page elsewhere cannot
        # reach it through a DNS name rebound to 127.0.0.1
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=[
            "127.0.0.1", "localhost", "[::1]", "::1"]))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found},
                    lifespan=_warm_up(explorer))
    app.state.explorer = explorer
    return app


def serve(settings: ExplorerSettings, *, open_browser: bool = False,
          ready: Callable[[str], None] | None = None) -> None:
    """Run the explorer until interrupted (uvicorn, one process, a thread per query)."""
    import threading
    import webbrowser

    import uvicorn

    app = create_app(settings)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}/"
    if settings.token and not is_loopback(settings.host):
        url += "?token=…"  # never print the secret itself
    if ready:
        ready(url)
    if open_browser:
        local = url.split("?")[0] + (f"?token={settings.token}" if settings.token else "")
        threading.Timer(1.0, webbrowser.open, args=(local,)).start()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=2)
