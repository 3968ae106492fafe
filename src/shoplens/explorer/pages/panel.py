"""Pages whose body is computed once the shell has painted: the page answers ``GET
/<key>`` with its title and a progress line at once, and ``GET /<key>?part=body`` with
the body (HTML rendered from a template, values escaped; charts as ``data-figure``
JSON that ``app.js`` draws). Used by capabilities whose answer takes a while (customer
value, alerts) so that the first paint never waits for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse

from shoplens.engines.base import redact
from shoplens.explorer.cache import cache_key
from shoplens.explorer.datasource import DatabaseUnavailable

if TYPE_CHECKING:
    from starlette.requests import Request

    from shoplens.explorer.context import Explorer


def panel_page(explorer: Explorer, request: Request, *, key: str, title: str,
               description: str, template: str,
               compute: Callable[[Explorer], dict[str, Any]], cached: bool = True
               ) -> HTMLResponse:
    """The shell (``GET /key``) or the body (``?part=body``; cached by data version unless
    ``cached`` is False: a body read from a table that other commands rewrite)."""
    if request.query_params.get("part") != "body":
        return HTMLResponse(explorer.render("panel.html.j2", title=title,
                                            description=description, src=f"/{key}?part=body"))
    try:
        if cached:
            data, _ = explorer.cache.get_or_compute(
                cache_key(f"page:{key}", None, explorer.source.version()),
                lambda: compute(explorer))
        else:
            data = compute(explorer)
    except DatabaseUnavailable as exc:
        return HTMLResponse(f'<p class="error" data-banner="1">{_escape(str(exc))}</p>',
                            status_code=503)
    except Exception as exc:  # said on the page, never a stack trace
        return HTMLResponse(f'<p class="error">{_escape(redact(str(exc)))[:500]}</p>',
                            status_code=500)
    return HTMLResponse(explorer.templates.get_template(template).render(**data))


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
