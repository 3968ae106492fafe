"""Top session paths and derived behaviours from :mod:`shoplens.events`, and the
sankey of event paths from :mod:`shoplens.insights.paths`."""

from __future__ import annotations

from shoplens.report.collectors import ReportContext, require
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
    try:
        _sankey(ctx, section)
    except Exception as exc:  # the sankey is an addition: the table still stands
        ctx.log(f"paths sankey failed: {exc}")
    if not rows:
        section.available = False
        section.reason = "no data: no session paths"
    return section


#: the sankey's paths: the first four events of every session
SANKEY_STEPS = 4


def _sankey(ctx: ReportContext, section: PathsSection) -> None:
    """Run the paths insight and draw its sankey (PNG here, plotly in the HTML)."""
    paths = require("shoplens.insights.paths", "run_paths")
    sankey = require("shoplens.insights.paths.sankey", "draw_png", "flows")
    schema = require("shoplens.insights.schema", "PathsQuery")
    result = paths.run_paths(ctx.engine, schema.PathsQuery(steps=SANKEY_STEPS, top_n=10))
    links = sankey.flows(result.payload)  # with the sessions ending at each step
    if not links:
        return
    section.sankey = links
    section.sankey_note = (f"first {SANKEY_STEPS} events of {result.payload['actors']:,} "
                           f"sessions; past the top {sankey.PER_STEP} events of a step, "
                           f"'{sankey.OTHER}'")
    ctx.out.mkdir(parents=True, exist_ok=True)
    sankey.draw_png({"links": links}, ctx.out / "sankey.png", "Session paths")
    section.charts["sankey"] = "sankey.png"
    section.readings.setdefault("sankey", "Where sessions go, event by event: "
                                + section.sankey_note + ".")
