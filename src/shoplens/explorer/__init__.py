"""The explorer: ``shoplens serve``, a local web app to ask, see and share every insight.

Entry points: :func:`create_app` (the Starlette application, for tests and embedding),
:func:`serve` (run it with uvicorn), :class:`ExplorerSettings`, :func:`check_bind`.
See ``docs/explorer.md``.
"""

from __future__ import annotations

from shoplens.explorer.app import create_app, serve
from shoplens.explorer.settings import ExplorerSettings, check_bind, is_loopback

__all__ = ["ExplorerSettings", "check_bind", "create_app", "is_loopback", "serve"]
