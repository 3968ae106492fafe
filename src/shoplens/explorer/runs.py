"""Running one insight for a page: cache lookup, a read-only engine, the runner, and the
result packaged for the browser (figures, table, SQL, CSV)."""

from __future__ import annotations

import importlib
import json
import math
import time
from typing import Any

import pandas as pd
from pydantic import BaseModel

from shoplens.errors import ShopLensError
from shoplens.explorer.cache import ResultCache, cache_key
from shoplens.explorer.datasource import DataSource, QueryCancelled
from shoplens.explorer.figures import figures_for

TABLE_ROWS = 1000


class NotAvailable(ShopLensError):
    """The runner of this insight is not part of this ShopLens yet."""


class NeedsWrite(ShopLensError):
    """The runner tried to write (build a table it needs); the explorer only reads."""


def _needs_write(kind: str, query: BaseModel) -> NeedsWrite:
    text = query.model_dump_json()
    hint = (" Events named by action: or stage: need the stored event taxonomy: run "
            "`shoplens events categorize` on this database once, then reload."
            if "action:" in text or "stage:" in text else "")
    return NeedsWrite(f"this {kind} query needs to write to the database, and the explorer "
                      f"only reads.{hint}")


def insight_runner() -> Any:
    """``shoplens.insights.runner.run`` (raises :class:`NotAvailable` while it does not
    exist)."""
    for name in ("shoplens.insights.runner", "shoplens.insights"):
        try:
            run = getattr(importlib.import_module(name), "run", None)
        except ImportError:
            continue
        if run is not None:
            return run
    raise NotAvailable("the insight runners are not installed in this ShopLens yet")


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float | int | bool | str):
        return value
    return str(value)


def table_of(frame: pd.DataFrame, limit: int = TABLE_ROWS) -> dict[str, Any]:
    """The first ``limit`` rows of ``frame`` as JSON-safe columns and rows."""
    head = frame.head(limit)
    rows = [[_cell(v) for v in row] for row in head.itertuples(index=False, name=None)]
    return {"columns": [str(c) for c in frame.columns], "rows": rows, "total": len(frame)}


def package(result: Any, seconds: float) -> dict[str, Any]:
    """An ``InsightResult`` as the JSON the page draws, serialised once (``body``), and
    its frame for the CSV (written when asked).

    The page gets the figures, the first rows of the table, the notes and the SQL; not
    the runner's payload, which would repeat every number of the figures.
    """
    payload = json.loads(result.to_json())
    shown = {
        "kind": result.kind, "figures": figures_for(result.kind, payload),
        "table": table_of(result.frame), "sql": list(result.sql), "notes": list(result.notes),
        "source": result.source, "date_from": payload.get("date_from"),
        "date_to": payload.get("date_to"), "seconds": round(seconds, 3),
    }
    return {**shown, "body": json.dumps(shown, separators=(",", ":"), allow_nan=False,
                                        default=str).encode(),
            "frame": result.frame}


def csv_of(packaged: dict[str, Any]) -> str:
    """The whole result table of a packaged result as CSV."""
    return packaged["frame"].to_csv(index=False)


def _answer(run: Any, engine: Any, query: BaseModel) -> Any:
    try:
        return run(engine, query)
    except ShopLensError as exc:
        if "no runner is installed" in str(exc):  # a kind this ShopLens does not have
            kind = getattr(query, "kind", "this insight")
            raise NotAvailable(f"{kind} is not part of this ShopLens yet") from None
        raise


def run_insight(source: DataSource, cache: ResultCache, query: BaseModel,
                job: str | None = None) -> tuple[dict[str, Any], bool]:
    """The packaged result of ``query`` and whether it came from the cache."""
    run = insight_runner()
    doc = query.model_dump(mode="json")
    key = cache_key("insight", doc, source.version())

    owned: list[bool] = []

    def compute() -> dict[str, Any]:
        owned.append(True)
        start = time.perf_counter()
        with source.engine(job) as engine:
            try:
                result = _answer(run, engine, query)
            except ShopLensError:
                raise
            except ModuleNotFoundError as exc:  # a runner module that is not written yet
                if not (exc.name or "").startswith("shoplens.insights"):
                    raise
                raise NotAvailable(f"{query.kind} is not part of this ShopLens yet") from None
            except Exception as exc:
                if "read-only" not in str(exc).lower():
                    raise
                raise _needs_write(query.kind, query) from None
        return package(result, time.perf_counter() - start)

    try:
        return cache.get_or_compute(key, compute)
    except QueryCancelled:
        if owned:  # this request's own query was cancelled
            raise
        # another page asking the same was cancelled while this one waited for it: this
        # one still wants the answer
        return cache.get_or_compute(key, compute)
