"""Top session paths and derived behaviours from :mod:`shoplens.events`."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext
from shoplens.report.collectors.events import patterns_doc
from shoplens.report.model import PathRow, PathsSection


def collect(ctx: ReportContext) -> PathsSection:
    doc = patterns_doc(ctx)
    pats = doc["patterns"]
    # every session of the event analysis (its own sessionization), whatever its stages
    total = (pats.get("dropoffs") or {}).get("sessions") or None
    rows = [PathRow(path=[p.strip() for p in str(row["path"]).split(">")],
                    count=int(row["sessions"]),
                    share=int(row["sessions"]) / total if total else None)
            for row in pats.get("session_paths", [])]
    behaviours = [{"name": b["name"].replace("_", " "), "definition": b.get("definition"),
                   "count": b.get("users"), "share": b.get("share_of_users")}
                  for b in pats.get("behaviours", [])]
    section = PathsSection(paths=rows, total_sessions=total, behaviours=behaviours)
    if not rows:
        section.available = False
        section.reason = "no data: no session paths"
    return section
