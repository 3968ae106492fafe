"""Source formats, one module each. ``LAYOUTS`` lists them in detection order."""

from __future__ import annotations

from shoplens.ingest.formats.clickstream import CLICKSTREAM
from shoplens.ingest.formats.online_retail import ONLINE_RETAIL
from shoplens.ingest.formats.platform import (
    PLATFORM_EVENTS,
    PLATFORM_PRODUCTS,
    PLATFORM_SEARCH,
    PLATFORM_USERS,
)
from shoplens.ingest.formats.rees46 import REES46
from shoplens.ingest.layout import Layout

# Order matters: the first layout whose signature matches a header wins; the generic
# clickstream comes last.
LAYOUTS: tuple[Layout, ...] = (
    REES46, ONLINE_RETAIL, PLATFORM_USERS, PLATFORM_PRODUCTS, PLATFORM_SEARCH,
    PLATFORM_EVENTS, CLICKSTREAM,
)

FORMATS = ("platform-csv", "rees46", "online-retail", "clickstream", "parquet")
