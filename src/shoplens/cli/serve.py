"""``shoplens serve``: the explorer, a local web app over the database (read-only)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from shoplens.cli.common import DbOption, console


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        db: DbOption = None,
        host: Annotated[str, typer.Option(
            "--host", help="Address to listen on; beyond loopback needs SHOPLENS_TOKEN.")]
        = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8050,
        open_browser: Annotated[bool, typer.Option("--open", help="Open the browser.")] = False,
        store: Annotated[Path | None, typer.Option(
            "--store", help="JSON file of saved insights and dashboards "
                            "(default ~/.shoplens/explorer.json).")] = None,
        search: Annotated[str | None, typer.Option(
            "--search", envvar="SHOPLENS_SEARCH",
            help="Search engine URL holding the user_segments index.")] = None,
    ) -> None:
        """Explore the database in the browser: trends, funnels, retention, paths, segments."""
        from shoplens.engines import check_url, default_url
        from shoplens.engines.base import redact
        from shoplens.explorer import ExplorerSettings, check_bind, serve
        from shoplens.explorer.settings import TOKEN_ENV

        token = os.environ.get(TOKEN_ENV) or None
        check_bind(host, token)
        extra = {"store": store} if store is not None else {}
        settings = ExplorerSettings(db_url=check_url(db or default_url()), host=host, port=port,
                                    token=token, search_url=search, **extra)

        def ready(url: str) -> None:
            console.print(f"ShopLens explorer on {url} over {redact(settings.db_url)} "
                          "(read-only; Ctrl+C stops)", highlight=False, markup=False,
                          soft_wrap=True)

        serve(settings, open_browser=open_browser, ready=ready)
