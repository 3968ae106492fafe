"""Helpers for the importer tests: hand-made files, table counts."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from shoplens.engines import Engine, connect

TABLES = ("users", "products", "sessions", "events", "orders", "order_items", "search_logs",
          "loads", "quarantine")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def write_jsonl(path: Path, lines: Iterable[object]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for obj in lines:
            fh.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
    return path


def counts(engine: Engine) -> dict[str, int]:
    return {t: int(engine.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def quarantine_rows(engine: Engine) -> list[tuple]:
    return engine.fetch_all("SELECT file, line, field, reason FROM quarantine ORDER BY file, line")




def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Table contents without load ids, sorted: equal snapshots mean equal data."""
    queries = {
        "events": "SELECT event_id, user_id, session_id, event_type, raw_event, product_id, "
                  "price, quantity, event_time, properties FROM events",
        "users": "SELECT user_id, signup_date, country, first_seen FROM users",
        "products": "SELECT product_id, category, category_id, price, brand, name FROM products",
        "sessions": "SELECT session_id, user_id, session_start, session_end, n_events FROM sessions",
        "orders": "SELECT order_id, user_id, order_time, country, is_refund FROM orders",
        "order_items": "SELECT item_id, order_id, product_id, description, quantity, unit_price, "
                       "is_refund FROM order_items",
    }
    return {t: sorted(engine.fetch_all(q), key=repr) for t, q in queries.items()}


def fetch_rows(db: str, sql: str) -> list[tuple]:
    """The rows of ``sql`` on the database at URL ``db`` (opened and closed here)."""
    eng = connect(db)
    try:
        return [tuple(r) for r in eng.fetch_all(sql)]
    finally:
        eng.close()
