"""Fixtures for the importer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import write_csv, write_jsonl


@pytest.fixture
def platform_dir(tmp_path: Path) -> Path:
    """A small platform-csv export with the legacy spellings."""
    d = tmp_path / "shop"
    write_csv(d / "users.csv", ["user_id", "signup_date", "country"], [
        (1, "2024-01-01", "FR"), (2, "2024-01-05", "de"), (3, "2024-02-01", "US"),
    ])
    write_csv(d / "products.csv", ["product_id", "category", "price", "brand", "name"], [
        (10, "electronics.smartphone", "499.99", "acme", "Phone X"),
        (11, "apparel.shoes", "59.50", "", "O'Brien's \"best\" shoes, size 42"),
        (12, "furniture.living_room.sofa", "1200.00", "sofaco", ""),
    ])
    write_csv(d / "events.csv", ["user_id", "event_type", "product_id", "timestamp",
                                 "session_id"], [
        (1, "viewed", 10, "2024-01-02 10:00:00", "s1"),
        (1, "add-to-cart", 10, "2024-01-02 10:01:00", "s1"),
        (1, "purchased", 10, "2024-01-02 10:05:00", "s1"),
        (2, "viewed", 11, "2024-01-06 09:00:00", "s2"),
        (2, "remove-from-cart", 11, "2024-01-06 09:02:00", "s2"),
        (3, "viewed", 12, "2024-01-20 12:00:00", "s3"),  # before user 3's signup
        (4, "viewed", 12, "2024-03-01 12:00:00", "s4"),  # user only seen in events
    ])
    write_jsonl(d / "search_logs.jsonl", [
        {"user_id": "1", "search_query": "phone", "clicked_product_ids": ["10"],
         "timestamp": "2024-01-02T09:59:00"},
        {"user_id": "2", "search_query": "shoes, \"red\"", "clicked_product_ids": [],
         "timestamp": "2024-01-06T08:59:00"},
    ])
    write_csv(d / "personas.csv", ["user_id", "persona"], [(1, "tech_enthusiast")])
    return d
