"""A real osmem-server on loopback for the session (see shoplens.search.testing)."""

from shoplens.search.testing import search_client, search_server, search_url  # noqa: F401
