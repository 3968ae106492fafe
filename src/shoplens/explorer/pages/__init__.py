"""The explorer's pages, one module each, and the extension point for more.

A page is a :class:`Page`: a URL key, a title for the navigation and a handler taking
the :class:`~shoplens.explorer.context.Explorer` and the request. The built-in pages
are listed in :data:`BUILTIN`; a capability that wants a page (customer value, alerts)
ships a module named in :data:`EXTENSIONS` with a ``PAGE`` attribute, and it appears in
the navigation as soon as that module is installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from shoplens.explorer.context import Explorer

Handler = Callable[["Explorer", "Request"], "Response"]


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    handler: Handler
    description: str = ""


BUILTIN = ("overview", "trends", "funnels", "retention", "lifecycle", "stickiness", "paths",
           "segments", "value", "alerts", "saved")
#: modules of other capabilities that may define ``PAGE`` (loaded when installed)
EXTENSIONS = ("shoplens.value.explorer_page", "shoplens.alerts.explorer_page",
              "shoplens.ask.explorer_page")

_PAGES: dict[str, Page] = {}


def register_page(page: Page) -> None:
    """Add (or replace) a page; its key becomes the URL ``/<key>``."""
    _PAGES[page.key] = page


def _load() -> dict[str, Page]:
    if not _PAGES:
        for name in BUILTIN:
            register_page(importlib.import_module(f"shoplens.explorer.pages.{name}").PAGE)
        for name in EXTENSIONS:
            try:
                module: Any = importlib.import_module(name)
            except ImportError:
                continue
            if isinstance(getattr(module, "PAGE", None), Page):
                register_page(module.PAGE)
    return _PAGES


def pages() -> dict[str, Page]:
    return _load()


def nav() -> list[tuple[str, str]]:
    """(URL, title) of every page, in order."""
    return [("/" if p.key == "overview" else f"/{p.key}", p.title) for p in _load().values()]
