"""Helpers for the importer tests: hand-made files, table counts."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from shoplens.engines import Engine

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


