"""What every request handler shares: settings, the data source, the cache, the store
and the page templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from shoplens.explorer.cache import ResultCache
from shoplens.explorer.datasource import DataSource
from shoplens.explorer.settings import ExplorerSettings
from shoplens.explorer.store import Store

#: the only files the server sends: fixed names -> (package, resource, media type)
ASSETS: dict[str, tuple[str, str, str]] = {
    "app.js": ("shoplens.explorer.assets", "app.js", "text/javascript"),
    "app.css": ("shoplens.explorer.assets", "app.css", "text/css"),
    "plotly.min.js": ("plotly.package_data", "plotly.min.js", "text/javascript"),
}


def load_assets() -> dict[str, tuple[bytes, str]]:
    """Read the assets once at start-up (no request ever names a file)."""
    out = {}
    for name, (package, resource, media) in ASSETS.items():
        out[name] = (resources.files(package).joinpath(resource).read_bytes(), media)
    return out


@dataclass
class Explorer:
    settings: ExplorerSettings
    source: DataSource
    cache: ResultCache
    store: Store
    templates: Environment
    assets: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: ExplorerSettings) -> Explorer:
        env = Environment(loader=PackageLoader("shoplens.explorer", "templates"),
                          autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                          lstrip_blocks=True)
        return cls(settings=settings,
                   source=DataSource(settings.db_url, query_timeout=settings.query_timeout,
                                     idle_release=settings.pool_idle),
                   cache=ResultCache(settings.cache_entries),
                   store=Store(settings.store, settings.db_url), templates=env,
                   assets=load_assets())

    def render(self, template: str, **context: Any) -> str:
        from shoplens.explorer.pages import nav

        status = self.source.last_status
        return self.templates.get_template(template).render(
            nav=nav(), database=self.source.display_url, banner=None if status.ok
            else status.message, **context)
