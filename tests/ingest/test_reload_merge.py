"""A re-load of users and products reports what it inserted and what it updated, never
merged rows as "loaded"."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.engines import Engine
from shoplens.ingest import load

from .helpers import write_csv


def test_reloaded_users_and_products_are_inserted_or_updated(engine: Engine, platform_dir: Path,
                                                            tmp_path: Path) -> None:
    first = load(engine, [platform_dir])
    assert first.merged["users"] == {"inserted": 4, "updated": 0}  # user 4: events only
    changed = tmp_path / "again"
    write_csv(changed / "users.csv", ["user_id", "signup_date", "country"], [
        (1, "2024-01-01", "FR"),        # as before
        (2, "2024-01-05", "AT"),        # moved: an update
        (3, "2024-02-01", "US"),        # as before
        (6, "2024-03-01", "ES"),        # new
    ])
    write_csv(changed / "products.csv", ["product_id", "category", "price", "brand", "name"], [
        (10, "electronics.smartphone", "449.99", "acme", "Phone X"),   # price cut
        (13, "apparel.hats", "15.00", "", "Cap"),                     # new
    ])
    again = load(engine, [changed / "users.csv", changed / "products.csv"])
    by_name = {Path(f.path).name: f for f in again.files}
    users, products = by_name["users.csv"], by_name["products.csv"]
    assert (users.rows_read, users.rows_loaded, users.rows_updated, users.rows_already_present) \
        == (4, 1, 1, 2)
    assert (products.rows_read, products.rows_loaded, products.rows_updated,
            products.rows_already_present) == (2, 1, 1, 0)
    assert again.merged == {"users": {"inserted": 1, "updated": 1},
                            "products": {"inserted": 1, "updated": 1}}
    assert engine.scalar("SELECT country FROM users WHERE user_id = '2'") == "AT"


def test_cli_shows_inserted_and_updated(cli, db_url: str, platform_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("load", platform_dir, "--db", db_url).exit_code == 0
    write_csv(tmp_path / "u" / "users.csv", ["user_id", "signup_date", "country"], [
        (2, "2024-01-05", "AT"), (7, "2024-03-02", "IT")])
    res = cli("load", tmp_path / "u" / "users.csv", "--db", db_url)
    assert res.exit_code == 0, res.output
    assert "inserted" in res.stdout and "updated" in res.stdout
    assert "users: 1 inserted, 1 updated" in res.stderr
    doc = json.loads(cli("load", tmp_path / "u" / "users.csv", "--db", db_url, "--json").stdout)
    assert doc["files"][0]["skipped"]  # the same file again: not read
