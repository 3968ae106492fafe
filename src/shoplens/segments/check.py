"""``shoplens segment --check``: does the index say what the database says?

Notes
-----
Compares the ``user_segments`` table with the ``user_segments`` index: the number of
users per segment on each side (a terms aggregation against a SQL ``GROUP BY``), users
*missing* from the index (in the table, no document), and *stale* documents (no row in
the table, or a different segment or run). Every document of the index is read by scroll
for the per-user comparison. ``ok`` is True only when everything agrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from shoplens.engines.base import Engine
from shoplens.search.indices import USER_SEGMENTS
from shoplens.search.retrieve import scan_all
from shoplens.segments.store import read_db


@dataclass
class SegmentCount:
    segment: str
    db: int
    index: int


@dataclass
class CheckReport:
    db_users: int
    index_users: int
    counts: list[SegmentCount] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    index_exists: bool = True

    @property
    def ok(self) -> bool:
        return (
            self.index_exists
            and not self.missing
            and not self.stale
            and all(c.db == c.index for c in self.counts)
            and self.db_users == self.index_users
        )

    def as_dict(self, limit: int = 50) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "db_users": self.db_users,
            "index_users": self.index_users,
            "index_exists": self.index_exists,
            "counts": [c.__dict__ for c in self.counts],
            "missing": len(self.missing),
            "missing_sample": self.missing[:limit],
            "stale": len(self.stale),
            "stale_sample": self.stale[:limit],
        }


def check(engine: Engine, client: OpenSearch, *, index: str = USER_SEGMENTS) -> CheckReport:
    db = read_db(engine)
    db_counts = db.groupby("segment").size()
    if not client.indices.exists(index=index):
        counts = [SegmentCount(str(s), int(n), 0) for s, n in db_counts.items()]
        return CheckReport(len(db), 0, counts, missing=sorted(db["user_id"].tolist()), index_exists=False)
    try:
        agg = client.search(
            index=index,
            body={
                "size": 0,
                "track_total_hits": True,
                "aggs": {"seg": {"terms": {"field": "segment", "size": 10_000}}},
            },
        )
    except NotFoundError:  # pragma: no cover - raced with a delete
        agg = {"aggregations": {"seg": {"buckets": []}}}
    idx_counts = {b["key"]: int(b["doc_count"]) for b in agg["aggregations"]["seg"]["buckets"]}
    docs = pd.DataFrame(
        list(scan_all(client, index, fields=["user_id", "segment", "run_id"])),
        columns=["user_id", "segment", "run_id"],
    )
    docs["user_id"] = docs["user_id"].astype("string")
    segments = sorted(set(db_counts.index.astype(str)) | set(idx_counts))
    counts = [SegmentCount(s, int(db_counts.get(s, 0)), int(idx_counts.get(s, 0))) for s in segments]
    merged = db.merge(docs, on="user_id", how="outer", suffixes=("_db", "_ix"), indicator=True)
    missing = sorted(merged.loc[merged["_merge"] == "left_only", "user_id"].tolist())
    both = merged[merged["_merge"] == "both"]
    differs = both[(both["segment_db"] != both["segment_ix"]) | (both["run_id_db"] != both["run_id_ix"])]
    stale = sorted(
        merged.loc[merged["_merge"] == "right_only", "user_id"].tolist() + differs["user_id"].tolist()
    )
    return CheckReport(len(db), len(docs), counts, missing, stale)
