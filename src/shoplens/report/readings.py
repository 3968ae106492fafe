"""One-line readings of each chart, derived from the numbers (never written by hand).

Each function returns ``{chart key: sentence}`` for a section. They only describe what
the numbers show — largest, smallest, trend, the biggest drop — so a reading can never
contradict its chart.
"""

from __future__ import annotations

import math

from shoplens.report.charts import cohort_matrix, offset_label
from shoplens.report.format import money, ms, num, pct, short_label
from shoplens.report.model import (
    BenchmarkSection,
    CohortSection,
    FunnelSection,
    KpiSection,
    PathsSection,
    ReportData,
    SegmentSection,
)


def kpis(k: KpiSection) -> dict[str, str]:
    out: dict[str, str] = {}
    dau = [p for p in k.series.get("dau", []) if p.y is not None]
    if dau:
        values = [p.y for p in dau]
        peak = max(dau, key=lambda p: p.y)
        mean = sum(values) / len(values)
        half = len(values) // 2
        trend = ""
        if half >= 7:
            first, second = sum(values[:half]) / half, sum(values[half:]) / (len(values) - half)
            if first > 0:
                change = second / first - 1
                trend = (f"; the second half of the period averages {pct(abs(change), 0)} "
                         f"{'more' if change >= 0 else 'fewer'} daily users than the first")
        avg = num(mean, 1 if mean < 100 else 0)
        out["active_users"] = (f"DAU averaged {avg} over {len(values)} days and peaked at "
                               f"{num(peak.y)} on {short_label(peak.x)}{trend}.")
    rev = [p for p in k.series.get("revenue_month", []) if p.y is not None]
    if rev:
        best = max(rev, key=lambda p: p.y)
        worst = min(rev, key=lambda p: p.y)
        out["revenue"] = (f"Revenue totals {money(sum(p.y for p in rev))} over {len(rev)} months; "
                          f"best month {short_label(best.x, month=True)} ({money(best.y)}), weakest "
                          f"{short_label(worst.x, month=True)} ({money(worst.y)}).")
    cats = sorted(k.revenue_by_category, key=lambda r: -float(r["revenue"] or 0))
    total = sum(float(r["revenue"] or 0) for r in cats)
    if cats and total > 0:
        top3 = sum(float(r["revenue"] or 0) for r in cats[:3]) / total
        out["revenue_by_category"] = (
            f"{cats[0]['category']} leads with {pct(float(cats[0]['revenue']) / total)} of revenue; "
            f"the top three of {len(cats)} categories bring {pct(top3)}.")
    return out


def benchmark(b: BenchmarkSection) -> dict[str, str]:
    rows = [r for r in b.rows if r.speedup]
    if not rows:
        return {}
    faster = [r for r in rows if r.speedup >= 1]
    slower = [r for r in rows if r.speedup < 1]
    unequal = [r.metric for r in b.rows if r.rows_equal is False]
    equal = ("every optimized query returned exactly the naive query's rows" if not unequal
             else f"WARNING: results differ for {', '.join(unequal)}")
    parts = []
    if faster:
        best = max(faster, key=lambda r: r.speedup)
        worst = min(faster, key=lambda r: r.speedup)
        parts.append(
            f"{len(faster)} of {len(rows)} optimized forms ran {worst.speedup:.1f}× "
            f"({worst.metric}) to {best.speedup:.1f}× ({best.metric}) faster than the naive ones "
            f"(median {ms(best.naive_ms)} → {ms(best.optimized_ms)} for {best.metric})")
    if slower:
        parts.append("slower at this data size: " + ", ".join(
            f"{r.metric} ({r.speedup:.1f}×, {ms(r.naive_ms)} → {ms(r.optimized_ms)})"
            for r in sorted(slower, key=lambda r: r.speedup)))
    return {"benchmark": "; ".join([*parts, equal]) + "."}


def cohorts(c: CohortSection) -> dict[str, str]:
    if not c.cohorts:
        return {}
    m = cohort_matrix(c)
    out: dict[str, str] = {}
    avg = [v for v in c.average]
    observed = [j for j, v in enumerate(avg) if v is not None]
    censored = int(sum(1 for row in c.cohorts for v in row.values if v is None))
    if len(observed) > 1:
        j1, jl = observed[1], observed[-1]
        n_last = sum(1 for row in c.cohorts if len(row.values) > jl and row.values[jl] is not None)
        col = m[:, j1]
        finite = col[~(col != col)]  # drop NaN
        best_i = max(range(len(c.cohorts)),
                     key=lambda i: -1 if math.isnan(m[i, j1]) else m[i, j1])
        out["cohort_heatmap"] = (
            f"{len(c.cohorts)} cohorts: {offset_label(c, j1)} retention ranges "
            f"{pct(finite.min())}–{pct(finite.max())} (best {short_label(c.cohorts[best_i].cohort)}); "
            f"{censored} cells are blank because those periods are not observable yet.")
        out["cohort_curves"] = (
            f"On average {pct(avg[j1])} of a cohort is back at {offset_label(c, j1)} and "
            f"{pct(avg[jl])} at {offset_label(c, jl)} (the latter from the {n_last} cohorts old "
            "enough to observe it).")
    else:
        text = (f"{len(c.cohorts)} cohorts, but the data does not yet cover any period after "
                f"the first ({censored} cells blank): too short to read retention from.")
        out["cohort_heatmap"] = out["cohort_curves"] = text
    return out


def funnel(f: FunnelSection) -> dict[str, str]:
    steps = f.steps
    if len(steps) < 2:
        return {}
    drops = [(steps[i - 1].stage, s.stage, s.from_previous) for i, s in enumerate(steps)
             if i and s.from_previous is not None]
    worst = min(drops, key=lambda d: d[2]) if drops else None
    last = steps[-1]
    text = (f"{pct(last.from_first)} of {f.basis or 'sessions'} that reach {steps[0].stage} get to "
            f"{last.stage}")
    if worst:
        text += (f"; the biggest loss is {worst[0]} → {worst[1]}, where only {pct(worst[2])} "
                 "continue")
    if f.cart_abandonment is not None:
        text += f"; cart abandonment is {pct(f.cart_abandonment)}"
    return {"funnel": text + "."}


def paths(p: PathsSection) -> dict[str, str]:
    if not p.paths:
        return {}
    top = p.paths[0]
    share = f" ({pct(top.share)} of sessions)" if top.share is not None else ""
    return {"paths": f"The most frequent path is {' → '.join(top.path)}: {num(top.count)} "
                     f"sessions{share}."}


def segments(s: SegmentSection) -> dict[str, str]:
    out: dict[str, str] = {}
    if s.segments:
        largest = max(s.segments, key=lambda r: r.size)
        ratio = [(r.revenue_share / r.share, r) for r in s.segments
                 if r.share and r.revenue_share is not None]
        text = (f"{len(s.segments)} segments; the largest is {largest.name.replace('_', ' ')} "
                f"({num(largest.size)} users, {pct(largest.share)})")
        if ratio:
            value, best = max(ratio, key=lambda t: t[0])
            text += (f"; {best.name.replace('_', ' ')} bring {pct(best.revenue_share)} of revenue "
                     f"with {pct(best.share)} of users ({value:.1f}× their weight)")
        out["segments"] = text + "."
    if s.rfm:
        total = sum(r.users for r in s.rfm) or 1
        top = max(s.rfm, key=lambda r: r.users)
        out["rfm"] = (f"The biggest RFM group is {top.segment} with {num(top.users)} users "
                      f"({pct(top.users / total)}).")
    return out


def fill(report: ReportData) -> None:
    """Write the readings of every available section onto it."""
    for key, fn in (("kpis", kpis), ("benchmark", benchmark), ("cohorts", cohorts),
                    ("funnel", funnel), ("paths", paths), ("segments", segments)):
        section = report.section(key)
        if section.available:
            section.readings.update(fn(section))  # type: ignore[arg-type]
    from shoplens.report.growth_charts import readings as growth_readings

    if report.growth.available:
        report.growth.readings.update(growth_readings(report.growth))
