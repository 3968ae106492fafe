"""Writing results back: the ``user_segments`` table and the ``user_segments`` index.

The table is replaced as a whole in one transaction (a re-run leaves exactly one row
per user, never duplicates); the index gets one document per user with id = user_id,
then documents of users no longer segmented (an older ``run_id``) are deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pandas as pd
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from shoplens.clv.writeback import document_fields
from shoplens.engines.base import Engine
from shoplens.engines.sql import load_sql
from shoplens.search.bulk import BulkReport, bulk_index
from shoplens.search.errors import SearchUnavailableError
from shoplens.search.indices import USER_SEGMENTS, ensure_index

TABLE_COLUMNS = [
    "user_id",
    "segment",
    "cluster",
    "method",
    "rfm_segment",
    "r_score",
    "f_score",
    "m_score",
    "traits",
    "run_id",
    "updated_at",
]


def ensure_tables(engine: Engine) -> None:
    """Create ``user_segments`` and ``segment_runs`` if missing (idempotent)."""
    engine.execute_script(load_sql("shoplens.segments", "user_segments.sql"))


def write_db(engine: Engine, assignments: pd.DataFrame, run: dict[str, Any]) -> int:
    """Replace ``user_segments`` with ``assignments`` and record the run; one transaction."""
    ensure_tables(engine)
    rows = assignments[TABLE_COLUMNS].copy()
    for col in ("r_score", "f_score", "m_score"):
        rows[col] = rows[col].astype("Int64")
    rows["cluster"] = rows["cluster"].astype("int64")
    with engine.transaction():
        engine.execute("DELETE FROM user_segments")
        engine.append_df("user_segments", rows)
        engine.execute("DELETE FROM segment_runs WHERE run_id = :run_id", {"run_id": run["run_id"]})
        engine.append_df(
            "segment_runs",
            pd.DataFrame(
                [
                    {
                        "run_id": run["run_id"],
                        "created_at": run["created_at"],
                        "method": run["method"],
                        "k": int(run["k"]),
                        "seed": int(run["seed"]),
                        "n_users": int(run["n_users"]),
                        "summary": json.dumps(run["summary"], default=str),
                    }
                ]
            ),
        )
    return len(rows)


def read_db(engine: Engine) -> pd.DataFrame:
    """The ``user_segments`` table (empty frame if it does not exist yet)."""
    ensure_tables(engine)
    df = engine.fetch_df("SELECT user_id, segment, run_id, updated_at FROM user_segments")
    df["user_id"] = df["user_id"].astype("string")
    return df


def _iso(ts: Any) -> str:
    return ts.isoformat() if isinstance(ts, datetime | pd.Timestamp) else str(ts)


def _docs(assignments: pd.DataFrame) -> Iterator[tuple[str, dict[str, Any]]]:
    for rec in assignments.to_dict("records"):
        doc = {
            "user_id": str(rec["user_id"]),
            "segment": rec["segment"],
            "cluster": int(rec["cluster"]),
            "method": rec["method"],
            "rfm_segment": rec["rfm_segment"],
            "traits": json.loads(rec["traits"]),
            "country": None if pd.isna(rec.get("country")) else rec.get("country"),
            "recency_days": round(float(rec["recency_days"]), 4),
            "frequency": int(rec["frequency"]),
            "monetary": round(float(rec["monetary"]), 4),
            "run_id": rec["run_id"],
            "updated_at": _iso(rec["updated_at"]),
        }
        for col in ("r_score", "f_score", "m_score"):
            doc[col] = None if pd.isna(rec[col]) else int(rec[col])
        doc.update(document_fields(rec))  # p_alive, clv, ... where customer value was run
        yield str(rec["user_id"]), doc


def write_index(
    client: OpenSearch,
    assignments: pd.DataFrame,
    run_id: str,
    *,
    index: str = USER_SEGMENTS,
    batch_size: int = 2000,
    on_progress: Callable[[int], None] | None = None,
) -> BulkReport:
    """Index one document per user, then delete documents of other runs (users gone)."""
    ensure_index(client, USER_SEGMENTS, index=index)
    report = bulk_index(client, index, _docs(assignments), batch_size=batch_size, on_progress=on_progress)
    if report.ok:
        try:
            client.delete_by_query(
                index=index,
                body={"query": {"bool": {"must_not": [{"term": {"run_id": run_id}}]}}},
                refresh=True,
                conflicts="proceed",
            )
        except (OSConnectionError, TransportError) as exc:
            raise SearchUnavailableError(f"cannot remove stale documents from {index!r}: {exc}") from exc
    return report
