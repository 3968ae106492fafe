"""Customer value ahead from :mod:`shoplens.clv`: the default run (BG/NBD + Gamma-Gamma,
weeks, 90 days ahead, holdout of the last 90 days), written back to ``customer_value``
and, when the report has a search engine, onto the ``user_segments`` documents; the
P(alive) matrix, the holdout plot and the valuable customers at risk."""

from __future__ import annotations

from typing import Any

from shoplens.errors import InputError
from shoplens.report.collectors import ReportContext, require
from shoplens.report.format import money, num, pct
from shoplens.report.model import ClvSection

#: at-risk customers and group rows the page lists
TOP = 15


def _index(ctx: ReportContext, result: Any) -> dict[str, Any] | None:
    if not ctx.search_url:
        return None
    client_mod = require("shoplens.search.client", "connect_search")
    writeback = require("shoplens.clv.writeback", "update_index")
    client = client_mod.connect_search(ctx.search_url)
    try:
        return writeback.update_index(client, result).as_dict()
    finally:
        client.close()


def collect(ctx: ReportContext) -> ClvSection:
    mod = require("shoplens.clv", "compute_clv", "ClvParams")
    writeback = require("shoplens.clv.writeback", "write_table")
    plots = require("shoplens.clv.plots", "write_pngs")
    ctx.progress("fitting BG/NBD and Gamma-Gamma", None)
    try:
        result = mod.compute_clv(ctx.engine, mod.ClvParams(top=TOP))
    except InputError as exc:  # no purchases, too few customers, no finite fit
        return ClvSection.unavailable(f"no data: {exc}")
    writeback.write_table(ctx.engine, result)
    doc = result.to_json_dict()
    ctx.cache["clv"] = doc
    ctx.out.mkdir(parents=True, exist_ok=True)
    pngs = plots.write_pngs(result, ctx.out, prefix="clv")
    section = ClvSection(
        model=doc["model_label"], time_unit=doc["time_unit"], horizon_days=doc["horizon_days"],
        as_of=result.as_of, params=doc["params"], totals=doc["totals"],
        validation=_validation(doc["validation"]), at_risk=doc["at_risk"],
        by_segment=doc["by_segment"][:TOP], by_rfm=doc["by_rfm"][:TOP],
        p_alive_matrix=doc["p_alive_matrix"], notes=doc["notes"], index=_index(ctx, result),
    )
    section.charts = {f"clv_{key}": path.name for key, path in pngs.items()}
    section.readings = readings(doc)
    return section


def _validation(v: dict[str, Any] | None) -> dict[str, Any] | None:
    if v is None:
        return None
    # the page needs the metrics and buckets; the daily curve is in the PNG
    return {k: v[k] for k in ("calibration_end", "holdout_end", "holdout_days", "metrics", "buckets")}


def readings(doc: dict[str, Any]) -> dict[str, str]:
    """One sentence per chart, derived from the numbers."""
    out: dict[str, str] = {}
    v = doc.get("validation")
    if v:
        m = v["metrics"]
        better = "better" if (m["mae"] or 0) < (m["naive_mae"] or 0) else "worse"
        out["clv_holdout"] = (
            f"Fitted to {v['calibration_end']}, {doc['model_label']} predicted "
            f"{num(m['predicted_transactions'], 0)} repeat purchase days in the "
            f"{v['holdout_days']}-day holdout against {num(m['actual_transactions'], 0)} actual; "
            f"per customer its error ({m['mae']:.2f}) is {better} than repeating each "
            f"customer's past rate ({m['naive_mae']:.2f}).")
    t = doc["totals"]
    if t.get("customers"):
        out["clv_p_alive"] = (
            f"Of {num(t['customers'], 0)} customers, {num(t['at_risk_customers'], 0)} "
            f"({pct(t['at_risk_customers'] / t['customers'])}) are probably gone "
            f"(P(alive) < {doc['risk_threshold']:g}); together they spent "
            f"{money(t['at_risk_past_value'])}. Expected value of everyone over the next "
            f"{doc['horizon_days']:g} days: {money(t['clv'])}.")
    return out
