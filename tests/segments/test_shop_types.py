"""Every shop type analysed, end to end through the command line: an orders-only shop (no
clickstream) gets revenue, cohorts, RFM and segments on purchase behaviour; an
events-only shop gets what events support."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

BROWSING = ("occasional_browsers", "window_shoppers")


def _orders_file(path: Path) -> tuple[Path, int, Decimal]:
    """120 customers of a shop that exports orders only: one-time buyers, loyal big
    spenders, lapsed ones. Returns the file, the number of orders and the net revenue."""
    rng = random.Random(7)
    lines: list[str] = ["Customer,Date,Quantity,Sales"]
    orders: set[tuple[str, str]] = set()
    total = Decimal(0)
    for c in range(120):
        kind = c % 3
        n = (1, 6, 3)[kind]
        months = [rng.randint(1, 12) if kind != 2 else rng.randint(1, 3) for _ in range(n)]
        for m in months:
            date = f"2023{m:02d}{rng.randint(1, 28):02d}"
            qty = rng.randint(1, 3)
            amount = Decimal(rng.randint(500, 3000 if kind == 1 else 1500)) / 100 * qty
            lines.append(f"C{c:03d},{date},{qty},{amount}")
            orders.add((f"C{c:03d}", date))
            total += amount
    path.write_text("\n".join(lines) + "\n")
    return path, len(orders), total


def test_orders_only_shop(cli, db_url: str, search_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, n_orders, net = _orders_file(tmp_path / "transactions.csv")
    res = cli("load", data, "--format", "orders", "--map", "user_id=Customer",
              "--map", "order_time=Date", "--map", "quantity=Quantity", "--map", "amount=Sales",
              "--db", db_url)
    assert res.exit_code == 0, res.output

    metrics = json.loads(cli("metrics", "--db", db_url, "--json").stdout)
    assert metrics["aov"]["orders"] == n_orders
    assert Decimal(str(metrics["aov"]["net"])) == pytest.approx(net, abs=Decimal("0.01"))

    res = cli("cohorts", "--cohort-by", "first_purchase", "--period", "month", "--db", db_url,
              "--json")
    assert res.exit_code == 0, res.output
    assert sum(c["size"] for c in json.loads(res.stdout)["cohorts"]) == 120

    res = cli("segment", "--db", db_url, "--search", search_url, "--seed", "1", "--json")
    assert res.exit_code == 0, res.output
    seg = json.loads(res.stdout)
    assert seg["basis"] == "purchases" and seg["n_users"] == 120
    assert not [s["name"] for s in seg["segments"] if s["name"].startswith(BROWSING)]
    assert sum(r["users"] for r in seg["rfm"]) == 120
    assert "orders only (no clickstream): segmented on purchase behaviour" in cli(
        "segment", "--db", db_url, "--search", search_url, "--seed", "1").stdout


def test_events_only_shop(cli, rees46_sample: Path, search_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"duckdb:{tmp_path / 'events.duckdb'}"
    assert cli("load", rees46_sample, "--db", db).exit_code == 0
    metrics = json.loads(cli("metrics", "--db", db, "--json").stdout)
    user_funnel = next(f for f in metrics["funnel"] if f["level"] == "user")
    assert user_funnel["entered"] > 0 and user_funnel["purchased"] > 0
    res = cli("cohorts", "--cohort-by", "first_activity", "--period", "day", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    res = cli("segment", "--db", db, "--search", search_url, "--seed", "1", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["basis"] == "events"
