"""Trackers' event names: the canonical types are found whatever the tracker's spelling.

A Segment export says ``Product Viewed``, GA4 ``view_item``, Amplitude ``Add Item to
Cart``, Shopify ``product_added_to_cart``, Meta ``AddToCart``: each must count as the view
or cart add it is, or the metrics (funnels, revenue) of such an export would be empty.
Names that only look alike (a wishlist removal) stay unknown for the event taxonomy.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.events.rules import match, normalize
from shoplens.events.stages import EVENT_TYPE_ACTION
from shoplens.ingest import load
from shoplens.ingest.formats.common import EVENT_TYPE_SPELLINGS, compact_name, compact_sql

from .helpers import write_csv

# (the name as the tracker writes it, the canonical event_type it must load as)
TRACKER_NAMES = [
    ("Product Viewed", "view"),  # Segment e-commerce spec
    ("view_item", "view"),  # Google Analytics 4
    ("ViewContent", "view"),  # Meta pixel
    ("product_view", "view"),  # Snowplow
    ("Product Added", "cart"),  # Segment
    ("Add Item to Cart", "cart"),  # Amplitude
    ("product_added_to_cart", "cart"),  # Shopify web pixels
    ("addToCart", "cart"),  # camelCase
    ("ADD-TO-CART", "cart"),
    ("Product Removed", "remove_from_cart"),
    ("Order Completed", "purchase"),
    ("checkout_completed", "purchase"),  # Shopify
    ("Order Refunded", "refund"),
    ("Product Removed from Wishlist", None),  # not a cart removal
    # not an importer spelling, but the event taxonomy's (Segment spec: browse / view),
    # applied on load (shoplens.events.apply)
    ("Promotion Clicked", "view"),
    ("Checkout Started", None),  # a checkout step: left to the event taxonomy
    ("page_view", None),
]


def test_trackers_names_load_as_their_canonical_types(engine: Engine, tmp_path: Path) -> None:
    # a flattened GA4 BigQuery export: microsecond epochs, user_pseudo_id, ga_session_id
    base = 1_709_290_800_000_000  # 2024-03-01 11:00:00 UTC in microseconds
    rows = [("20240301", str(base + i * 1_000_000), name, "ga-1.2", "17093")
            for i, (name, _) in enumerate(TRACKER_NAMES)]
    path = write_csv(tmp_path / "ga4.csv", ["event_date", "event_timestamp", "event_name",
                                            "user_pseudo_id", "ga_session_id"], rows)
    report = load(engine, [path])
    f = report.files[0]
    assert (f.layout, f.rows_loaded, f.rows_quarantined) == ("clickstream", len(rows), 0)
    got = engine.fetch_all("SELECT raw_event, event_type, user_id, session_id, event_time "
                           "FROM events ORDER BY event_time")
    assert [(raw, et) for raw, et, *_ in got] == TRACKER_NAMES
    assert {(u, s) for _, _, u, s, _ in got} == {("ga-1.2", "17093")}
    assert str(got[0][4]) == "2024-03-01 11:00:00" and str(got[-1][4]) == "2024-03-01 11:00:16"
    assert engine.fetch_all("SELECT session_id, n_events FROM sessions") == [("17093", len(rows))]


def test_every_listed_spelling_means_what_the_taxonomy_says() -> None:
    """The importer's list and the event taxonomy's rules never disagree."""
    for event_type, names in EVENT_TYPE_SPELLINGS.items():
        for name in names:
            rule = match(name)
            assert rule is not None and rule.action == EVENT_TYPE_ACTION[event_type], name


names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)


@given(names)
def test_compact_name_is_the_taxonomys_key(name: str) -> None:
    assert compact_name(name) == normalize(name)


@settings(max_examples=200, deadline=None)
@given(st.lists(names, min_size=1, max_size=20))
def test_compact_sql_is_compact_name(batch: list[str]) -> None:
    con = duckdb.connect()
    got = con.execute(f"SELECT {compact_sql('x')} FROM unnest($xs) AS t(x)", {"xs": batch}).fetchall()
    assert [g for (g,) in got] == [compact_name(x) for x in batch]
