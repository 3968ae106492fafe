"""Segments from :mod:`shoplens.segments`: sizes, profiles, names and RFM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shoplens.report.collectors import ReportContext, require
from shoplens.report.model import RfmRow, SegmentRow, SegmentSection


class _Progress:
    """The segmentation's progress protocol, forwarded to ``ctx.progress``."""

    def __init__(self, ctx: ReportContext) -> None:
        self.ctx = ctx

    def stage(self, name: str, total: int | None = None) -> Callable[[int], None]:
        self.ctx.progress(name, 0.0 if total else None)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            self.ctx.progress(name, min(done / total, 1.0) if total else None)

        return tick


def segmentation(ctx: ReportContext) -> dict[str, Any]:
    """Run the segmentation (writing ``user_segments`` back) once; its ``as_dict()``."""
    if "segments" not in ctx.cache:
        seg = require("shoplens.segments", "segment", "SegmentParams")
        # search=None lets the capability use SHOPLENS_SEARCH or start its bundled server
        result = seg.segment(ctx.engine, seg.SegmentParams(seed=ctx.seed), search=ctx.search_url,
                             progress=_Progress(ctx))
        ctx.cache["segments"] = result.as_dict()
    return ctx.cache["segments"]


def collect(ctx: ReportContext) -> SegmentSection:
    doc = segmentation(ctx)
    scores = doc.get("selection_scores") or {}
    k = doc.get("k")
    rows = [SegmentRow(name=s["name"], size=int(s["size"]), share=s.get("share_of_users"),
                       revenue_share=s.get("revenue_share"),
                       traits={f["feature"]: f["z"] for f in s.get("top_features", [])[:4]},
                       description=", ".join(t.replace("_", " ") for t in s.get("traits") or []) or None,
                       top_queries=list(s.get("top_queries") or [])[:5])
            for s in doc.get("segments", [])]
    rfm = [RfmRow(segment=r["rfm_segment"], users=int(r["users"]), share=r.get("share_of_users"),
                  revenue_share=r.get("revenue_share")) for r in doc.get("rfm", [])]
    section = SegmentSection(
        method=doc.get("method"), k=k, users=doc.get("n_users"), segments=rows, rfm=rfm,
        k_criterion=doc.get("criterion"), k_score=scores.get(str(k)),
        search={key: doc.get(key) for key in ("n_searches", "n_distinct_queries",
                                              "users_with_searches", "criterion", "timings_s")},
    )
    if not rows:
        section.available = False
        section.reason = "no data: no user to segment"
    return section
