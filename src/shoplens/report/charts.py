"""The report's pictures, drawn with matplotlib (Agg) from a section's numbers.

Each ``draw_*`` function draws into a given axes so that the HTML's PNGs and the PDF's
panels are the same drawing; :func:`render_pngs` saves one PNG per chart into the
report folder and records the file names on the sections.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import FuncFormatter, PercentFormatter

from shoplens.report.format import axis_money, num, short_label
from shoplens.report.model import (
    BenchmarkSection,
    CohortSection,
    FunnelSection,
    KpiSection,
    PathsSection,
    ReportData,
    SegmentSection,
)

BLUE, ORANGE, GREEN, GREY = "#2563eb", "#ea580c", "#16a34a", "#6b7280"
PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#0891b2", "#ca8a04", "#db2777",
           "#4b5563"]
RETENTION_CMAP = LinearSegmentedColormap.from_list("retention", ["#eff6ff", "#1e3a8a"])

plt.rcParams.update({
    "font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100,
})


# -- KPIs ----------------------------------------------------------------------------
def period_steps(key: str, points: list) -> tuple[list, list]:
    """x and y of a series; a weekly or monthly series gets one more x, the end of its
    last period, so that a step line shows the last period's width too."""
    import pandas as pd

    xs = [pd.Timestamp(p.x).to_pydatetime() for p in points]
    ys = [p.y for p in points]
    if key in ("wau", "mau") and xs:
        step = pd.DateOffset(weeks=1) if key == "wau" else pd.DateOffset(months=1)
        xs.append((pd.Timestamp(xs[-1]) + step).to_pydatetime())
        ys.append(ys[-1])
    return xs, ys


def draw_active_users(ax: Axes, kpis: KpiSection) -> None:
    for key, label, colour in (("dau", "DAU", BLUE), ("wau", "WAU", ORANGE),
                               ("mau", "MAU", GREEN)):
        points = [p for p in kpis.series.get(key, []) if p.y is not None]
        if points:
            xs, ys = period_steps(key, points)
            ax.plot(xs, ys, label=label, color=colour, lw=1.2 if key == "dau" else 1.8,
                    drawstyle="default" if key == "dau" else "steps-post")
    ax.set_title("Active users")
    ax.set_ylabel("users")
    ax.legend(loc="upper left", frameon=False, ncols=3)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: num(v)))
    ax.set_ylim(bottom=0)


def draw_revenue(ax: Axes, kpis: KpiSection) -> None:
    points = [p for p in kpis.series.get("revenue_month", []) if p.y is not None]
    labels = [short_label(p.x, month=True) for p in points]
    ax.bar(range(len(points)), [p.y for p in points], color=BLUE)
    ax.set_xticks(range(len(points)), labels, rotation=45 if len(points) > 8 else 0,
                  ha="right" if len(points) > 8 else "center")
    ax.set_title("Revenue per month")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: axis_money(v)))


def draw_revenue_by_category(ax: Axes, kpis: KpiSection, top: int = 8) -> None:
    rows = sorted(kpis.revenue_by_category, key=lambda r: -float(r["revenue"] or 0))[:top][::-1]
    ax.barh([str(r["category"]) for r in rows], [float(r["revenue"] or 0) for r in rows],
            color=BLUE)
    ax.set_title(f"Revenue by category (top {len(rows)})")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: axis_money(v)))


# -- benchmark -----------------------------------------------------------------------
def draw_benchmark(ax: Axes, bench: BenchmarkSection) -> None:
    rows = [r for r in bench.rows if r.naive_ms and r.optimized_ms]
    labels = [f"{r.metric}" + (f" ({r.engine})" if len({x.engine for x in rows}) > 1 else "")
              for r in rows]
    y = np.arange(len(rows))
    ax.barh(y + 0.2, [r.naive_ms for r in rows], height=0.4, color=GREY, label="naive")
    ax.barh(y - 0.2, [r.optimized_ms for r in rows], height=0.4, color=BLUE, label="optimized")
    for i, r in enumerate(rows):
        if r.speedup:
            ax.text(max(r.naive_ms, r.optimized_ms) * 1.15, i, f"{r.speedup:.1f}×", va="center",
                    fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("median ms (log scale)")
    ax.set_title("Naive vs optimized queries")
    ax.legend(frameon=False, loc="lower right")
    if rows:
        ax.set_xlim(right=max(max(r.naive_ms, r.optimized_ms) for r in rows) * 4)


# -- cohorts -------------------------------------------------------------------------
def cohort_matrix(cohorts: CohortSection) -> np.ndarray:
    width = max((len(c.values) for c in cohorts.cohorts), default=0)
    m = np.full((len(cohorts.cohorts), width), np.nan)
    for i, c in enumerate(cohorts.cohorts):
        for j, v in enumerate(c.values):
            if v is not None:
                m[i, j] = v
    return m


def offset_label(cohorts: CohortSection, j: int) -> str:
    unit = (cohorts.offset_unit or "period")[0].upper()
    return f"{unit}{j}"


def draw_cohort_heatmap(ax: Axes, cohorts: CohortSection, annotate: bool = True) -> None:
    m = cohort_matrix(cohorts)
    # Censored cells stay NaN: drawn blank (masked), never as 0 %.
    masked = np.ma.masked_invalid(m)
    finite = m[np.isfinite(m)]
    # Offset 0 is 100 % by definition for user retention; scale colours on the rest so
    # that the differences a reader looks for are visible.
    rest = m[:, 1:][np.isfinite(m[:, 1:])] if m.shape[1] > 1 else finite
    vmax = float(rest.max()) if rest.size else 1.0
    ax.imshow(masked, cmap=RETENTION_CMAP, vmin=0, vmax=max(vmax, 0.01), aspect="auto",
              interpolation="nearest")
    ax.set_facecolor("white")
    rows = [f"{short_label(c.cohort)}  (n={num(c.size)})" for c in cohorts.cohorts]
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xticks(range(m.shape[1]), [offset_label(cohorts, j) for j in range(m.shape[1])])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    if annotate and m.size <= 400:
        small = m.size > 150
        for (i, j), v in np.ndenumerate(m):
            if np.isfinite(v):
                dark = v / max(vmax, 0.01) > 0.68
                ax.text(j, i, f"{v * 100:.0f}" if small else f"{v * 100:.1f}%", ha="center",
                        va="center", fontsize=6 if small else 7,
                        color="white" if dark else "#111827")
    what = cohorts.measure or "users"
    ax.set_title(f"Retention by {cohorts.cohort_by or ''} cohort ({what}; blank = not yet observable)")


def draw_cohort_curves(ax: Axes, cohorts: CohortSection) -> None:
    m = cohort_matrix(cohorts)
    x = np.arange(m.shape[1])
    for i, _c in enumerate(cohorts.cohorts):
        ax.plot(x, m[i], color="#93c5fd", lw=0.8, alpha=0.8)
    if cohorts.average:
        avg = np.array([np.nan if v is None else v for v in cohorts.average])
        ax.plot(x[: len(avg)], avg, color=BLUE, lw=2.5, marker="o", ms=3,
                label="weighted average")
        ax.legend(frameon=False)
    ax.set_xticks(x, [offset_label(cohorts, j) for j in x])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, None)
    ax.set_title("Retention curves (one line per cohort)")


# -- funnel and paths ----------------------------------------------------------------
def draw_funnel(ax: Axes, funnel: FunnelSection) -> None:
    steps = funnel.steps
    y = np.arange(len(steps))
    counts = [s.count for s in steps]
    ax.barh(y, counts, color=[PALETTE[i % len(PALETTE)] for i in range(len(steps))])
    top = max(counts, default=1) or 1
    for i, s in enumerate(steps):
        pct = "" if s.from_first is None or i == 0 else f" ({s.from_first * 100:.1f}%)"
        ax.text(s.count + top * 0.015, i, f"{num(s.count)}{pct}", va="center", fontsize=8)
    labels = [s.stage if i == 0 or s.from_previous is None
              else f"{s.stage}\n{s.from_previous * 100:.1f}% of {steps[i - 1].stage}"
              for i, s in enumerate(steps)]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.35)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: num(v)))
    ax.set_title(f"Funnel ({funnel.basis or 'sessions'}; % of {steps[0].stage if steps else ''})")


def draw_paths(ax: Axes, paths: PathsSection, top: int = 8) -> None:
    rows = paths.paths[:top][::-1]
    ax.barh([" → ".join(r.path) for r in rows], [r.count for r in rows], color=BLUE)
    ax.set_title(f"Top {len(rows)} session paths")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: num(v)))


# -- segments ------------------------------------------------------------------------
def draw_segments(ax: Axes, seg: SegmentSection) -> None:
    rows = sorted(seg.segments, key=lambda s: -s.size)
    y = np.arange(len(rows))
    shares = [(s.share or 0) for s in rows]
    rev = [(s.revenue_share or 0) for s in rows]
    ax.barh(y - 0.2, shares, height=0.4, color=BLUE, label="share of users")
    ax.barh(y + 0.2, rev, height=0.4, color=ORANGE, label="share of revenue")
    ax.set_yticks(y, [s.name.replace("_", " ") for s in rows])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.legend(frameon=False, loc="lower right")
    ax.set_title("Segments: users vs revenue")


def draw_rfm(ax: Axes, seg: SegmentSection) -> None:
    rows = sorted(seg.rfm, key=lambda r: -r.users)[::-1]
    ax.barh([r.segment for r in rows], [r.users for r in rows], color=GREEN)
    ax.set_title("RFM segments (users)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: num(v)))


# -- rendering -------------------------------------------------------------------------
ChartSpec = tuple[str, str, Callable[[Axes, object], None], tuple[float, float]]


def chart_specs(report: ReportData) -> list[tuple[str, str, Callable, tuple[float, float]]]:
    """(section key, chart key, draw function, figure size) for every chart the data allows."""
    specs: list[tuple[str, str, Callable, tuple[float, float]]] = []
    k, b, c = report.kpis, report.benchmark, report.cohorts
    if k.available and any(k.series.get(s) for s in ("dau", "wau", "mau")):
        specs.append(("kpis", "active_users", draw_active_users, (9, 3.4)))
    if k.available and k.series.get("revenue_month"):
        specs.append(("kpis", "revenue", draw_revenue, (9, 3.2)))
    if k.available and k.revenue_by_category:
        specs.append(("kpis", "revenue_by_category", draw_revenue_by_category, (9, 3.4)))
    if b.available and any(r.naive_ms and r.optimized_ms for r in b.rows):
        specs.append(("benchmark", "benchmark", draw_benchmark,
                      (9, 1.2 + 0.45 * len(b.rows))))
    if c.available and c.cohorts:
        specs.append(("cohorts", "cohort_heatmap", draw_cohort_heatmap,
                      (9, 1.4 + 0.32 * len(c.cohorts))))
        specs.append(("cohorts", "cohort_curves", draw_cohort_curves, (9, 3.4)))
    from shoplens.report.growth_charts import growth_specs

    specs += growth_specs(report.growth)  # type: ignore[arg-type]
    if report.funnel.available and report.funnel.steps:
        specs.append(("funnel", "funnel", draw_funnel, (9, 1.2 + 0.45 * len(report.funnel.steps))))
    if report.paths.available and report.paths.paths:
        specs.append(("paths", "paths", draw_paths, (9, 3.4)))
    s = report.segments
    if s.available and s.segments:
        specs.append(("segments", "segments", draw_segments, (9, 1.2 + 0.55 * len(s.segments))))
    if s.available and s.rfm:
        specs.append(("segments", "rfm", draw_rfm, (9, 1.2 + 0.35 * len(s.rfm))))
    return specs


def render_pngs(report: ReportData, out: Path) -> list[Path]:
    """Save every chart as ``out/<chart>.png`` and record it on its section."""
    written = []
    for section_key, chart_key, draw, size in chart_specs(report):
        section = report.section(section_key)
        given = section.charts.get(chart_key)
        if given and (out / given).exists():  # drawn by the capability itself
            written.append(out / given)
            continue
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        try:
            draw(ax, section)
            path = out / f"{chart_key}.png"
            fig.savefig(path, dpi=110)
        finally:
            plt.close(fig)
        section.charts[chart_key] = path.name
        written.append(path)
    return written
