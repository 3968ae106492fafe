"""Re-building the ``user_segments`` index from the database's ``user_segments`` table
(for a bundled server, which starts empty, or to repair an index ``--check`` found behind)."""

from __future__ import annotations

from collections.abc import Callable

from opensearchpy import OpenSearch

from shoplens.clv.writeback import with_value_fields
from shoplens.engines.base import Engine
from shoplens.errors import ShopLensError
from shoplens.search.bulk import BulkReport
from shoplens.segments.features import compute_features
from shoplens.segments.store import ensure_tables, write_index


def index_from_db(
    engine: Engine, client: OpenSearch, *, on_progress: Callable[[int], None] | None = None
) -> BulkReport:
    """Index the stored segments (with current country and RFM inputs) of the latest run."""
    ensure_tables(engine)
    rows = engine.fetch_df(
        "SELECT s.user_id, s.segment, s.cluster, s.method, s.rfm_segment, s.r_score, s.f_score, s.m_score, "
        "s.traits, s.run_id, s.updated_at FROM user_segments AS s ORDER BY s.user_id"
    )
    if rows.empty:
        raise ShopLensError("user_segments is empty: run `shoplens segment` first")
    rows["user_id"] = rows["user_id"].astype("string")
    feats = compute_features(engine).frame
    cols = ["country", "recency_days", "frequency", "monetary"]
    rows = rows.join(feats[cols], on="user_id")
    rows["recency_days"] = rows["recency_days"].fillna(0.0)
    rows["frequency"] = rows["frequency"].fillna(0).astype("int64")
    rows["monetary"] = rows["monetary"].fillna(0.0)
    rows = with_value_fields(engine, rows)  # p_alive, clv, ... from customer_value
    run_ids = rows["run_id"].unique()
    if len(run_ids) != 1:
        raise ShopLensError(f"user_segments mixes {len(run_ids)} runs; run `shoplens segment` again")
    return write_index(client, rows, str(run_ids[0]), on_progress=on_progress)
