"""The platform-csv layout exactly as the contract between generator and importer says."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shoplens.generate import GenerateParams, GenerateSummary, generate

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
INT = re.compile(r"^[1-9][0-9]*$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ISO_T = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def test_folder_holds_exactly_the_layout(shop_dir: Path) -> None:
    assert sorted(p.name for p in shop_dir.iterdir()) == sorted(
        ["users.csv", "products.csv", "events.csv", "search_logs.jsonl", "personas.csv"])


def test_users_csv(shop_dir: Path, shop: tuple[Path, GenerateSummary]) -> None:
    header, body = rows(shop_dir / "users.csv")
    assert header == ["user_id", "signup_date", "country"]
    assert len(body) == shop[1].users == 3_000
    assert all(INT.match(r[0]) and DATE.match(r[1]) and re.match(r"^[A-Z]{2}$", r[2]) for r in body)
    assert len({r[0] for r in body}) == len(body)


def test_products_csv(shop_dir: Path) -> None:
    header, body = rows(shop_dir / "products.csv")
    assert header == ["product_id", "category", "price", "brand", "name"]
    assert len({r[0] for r in body}) == len(body) >= 2_000
    for pid, category, price, brand, name in body:
        assert INT.match(pid)
        assert re.match(r"^[a-z_]+(\.[a-z_]+)+$", category), category
        assert re.match(r"^\d+\.\d{2}$", price) and float(price) > 0
        assert brand == brand.lower() and "," not in brand
        assert name
    tops = {r[1].split(".")[0] for r in body}
    assert {"electronics", "computers", "appliances", "apparel", "furniture", "sport", "kids",
            "accessories"} <= tops
    assert any(r[3] == "" for r in body), "some products have no brand, as in real exports"


def test_events_csv(shop_dir: Path, shop: tuple[Path, GenerateSummary]) -> None:
    text = (shop_dir / "events.csv").read_text()
    assert text.startswith("user_id,event_type,product_id,timestamp,session_id,utm_source,device\n")
    assert text.endswith("\n") and '"' not in text
    _, body = rows(shop_dir / "events.csv")
    assert len(body) == shop[1].events
    assert {r[1] for r in body} == {"viewed", "add-to-cart", "remove-from-cart", "purchased"}
    for user_id, _, product_id, ts, session_id, _, _ in body[:: max(1, len(body) // 20_000)]:
        assert INT.match(user_id) and INT.match(product_id)
        assert TS.match(ts), ts
        assert UUID4.match(session_id), session_id
    stamps = [r[3] for r in body]
    assert stamps == sorted(stamps), "events are written in time order, like an export"


def test_events_carry_channel_and_device_on_a_sessions_first_event(
        shop_dir: Path, shop: tuple[Path, GenerateSummary]) -> None:
    """Like a tracker's landing-page view: utm_source and device on the first event of
    each session only; a user's first session comes through their acquisition channel,
    later ones often directly."""
    from shoplens.generate.channels import CHANNEL_NAMES, DEVICE_NAMES

    _, body = rows(shop_dir / "events.csv")
    seen: set[str] = set()
    first_channel: dict[str, str] = {}
    later: list[str] = []
    for user_id, _, _, _, session_id, channel, device in body:
        if session_id in seen:
            assert channel == "" and device == ""
            continue
        seen.add(session_id)
        assert channel in CHANNEL_NAMES and device in DEVICE_NAMES
        if user_id in first_channel:
            later.append(channel)
        else:
            first_channel[user_id] = channel
    assert len(seen) == shop[1].sessions
    assert set(first_channel.values()) == set(CHANNEL_NAMES)
    direct_first = sum(c == "direct" for c in first_channel.values()) / len(first_channel)
    direct_later = sum(c == "direct" for c in later) / len(later)
    assert direct_later > direct_first + 0.2


def test_search_logs_jsonl(shop_dir: Path, shop: tuple[Path, GenerateSummary]) -> None:
    lines = (shop_dir / "search_logs.jsonl").read_text().splitlines()
    assert len(lines) == shop[1].searches > 0
    empty = 0
    for line in lines:
        doc = json.loads(line)
        assert list(doc) == ["user_id", "search_query", "clicked_product_ids", "timestamp"]
        assert isinstance(doc["user_id"], str) and INT.match(doc["user_id"])
        assert isinstance(doc["search_query"], str) and doc["search_query"].strip()
        assert all(isinstance(p, str) and INT.match(p) for p in doc["clicked_product_ids"])
        assert ISO_T.match(doc["timestamp"])
        empty += not doc["clicked_product_ids"]
    assert 0 < empty < len(lines) / 2, "some searches end without a click, most with one"


def test_personas_csv(shop_dir: Path) -> None:
    header, body = rows(shop_dir / "personas.csv")
    assert header == ["user_id", "persona"]
    _, users = rows(shop_dir / "users.csv")
    assert [r[0] for r in body] == [r[0] for r in users]
    assert {r[1] for r in body} == {"tech_enthusiast", "bargain_hunter", "fashion_lover",
                                    "home_maker", "occasional_browser"}


def test_summary_counts_match_the_files(shop: tuple[Path, GenerateSummary]) -> None:
    out, s = shop
    _, body = rows(out / "events.csv")
    by_type: dict[str, int] = {}
    for r in body:
        by_type[r[1]] = by_type.get(r[1], 0) + 1
    assert s.event_counts == by_type
    assert len({r[4] for r in body}) <= s.sessions
    assert sum(s.personas.values()) == s.users
    assert s.start.isoformat() == "2024-01-01" and s.end.isoformat() == "2025-01-01"


@pytest.fixture(scope="module")
def parquet_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pq")
    # a CSV run first: the Parquet run must leave one coherent data set, not both
    generate(GenerateParams(users=300, months=3, seed=3), out)
    generate(GenerateParams(users=300, months=3, seed=3, parquet=True), out)
    return out


def test_parquet_layout(parquet_shop: Path, tmp_path: Path) -> None:
    assert sorted(p.name for p in parquet_shop.iterdir()) == sorted(
        ["users.parquet", "products.parquet", "events.parquet", "search_logs.parquet",
         "personas.parquet"])
    cols = {p.stem: pq.read_schema(p).names for p in parquet_shop.iterdir()}
    assert cols == {
        "users": ["user_id", "signup_date", "country"],
        "products": ["product_id", "category", "price", "brand", "name"],
        "events": ["user_id", "event_type", "product_id", "timestamp", "session_id",
                   "utm_source", "device"],
        "search_logs": ["user_id", "search_query", "clicked_product_ids", "timestamp"],
        "personas": ["user_id", "persona"],
    }
    # the same data as the CSV layout of the same parameters
    generate(GenerateParams(users=300, months=3, seed=3), tmp_path)
    events = pq.read_table(parquet_shop / "events.parquet").to_pylist()
    _, body = rows(tmp_path / "events.csv")
    assert len(events) == len(body)
    first = events[0]
    assert [str(first["user_id"]), first["event_type"], str(first["product_id"]),
            first["timestamp"].strftime("%Y-%m-%d %H:%M:%S"), first["session_id"],
            first["utm_source"], first["device"]] == body[0]
    products = pq.read_table(parquet_shop / "products.parquet").to_pylist()
    _, pbody = rows(tmp_path / "products.csv")
    assert [[str(p["product_id"]), p["category"], f"{p['price']:.2f}", p["brand"] or "", p["name"]]
            for p in products] == pbody


def test_parquet_has_null_for_a_missing_brand(parquet_shop: Path) -> None:
    brands = pq.read_table(parquet_shop / "products.parquet").column("brand").to_pylist()
    assert None in brands
    assert "" not in brands
