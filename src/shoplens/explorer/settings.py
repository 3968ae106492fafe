"""What ``shoplens serve`` runs with, and the rule that guards a non-loopback bind."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shoplens.errors import ConfigError

TOKEN_ENV = "SHOPLENS_TOKEN"
HOME_ENV = "SHOPLENS_HOME"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class ExplorerSettings(BaseModel):
    """Settings of one explorer server.

    Attributes
    ----------
    db_url
        The database to read (never written).
    host, port
        Where to listen; a host other than loopback needs ``token``.
    token
        Shared secret every request must carry (``SHOPLENS_TOKEN``); ``None`` on loopback.
    store
        The JSON file holding saved insights and dashboards (never a data table).
    search_url
        The search engine holding the ``user_segments`` index (``SHOPLENS_SEARCH``).
    """

    model_config = ConfigDict(frozen=True)

    db_url: str
    host: str = "127.0.0.1"
    port: int = Field(8050, ge=0, le=65535)
    token: str | None = None
    store: Path = Field(default_factory=lambda: default_store())
    search_url: str | None = None
    cache_entries: int = Field(256, ge=1)
    #: seconds a query may run before the server cancels it by itself
    query_timeout: float = Field(300.0, gt=0)
    #: seconds an unused read-only connection stays open for the next query (0: closed at
    #: once); a DuckDB file is free for a ``shoplens load`` this long after the last query
    pool_idle: float = Field(2.0, ge=0, le=600)


def default_store() -> Path:
    """``$SHOPLENS_HOME/explorer.json`` (default ``~/.shoplens/explorer.json``)."""
    home = Path(os.environ.get(HOME_ENV) or Path.home() / ".shoplens")
    return home / "explorer.json"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback ``host`` without a token (raises :class:`ConfigError`)."""
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"--host {host}: the explorer only listens beyond this machine with a token; "
            f"set {TOKEN_ENV} (a long random secret) and open the link it prints")
    if token is not None and len(token) < 16:
        raise ConfigError(f"{TOKEN_ENV}: use at least 16 characters")
