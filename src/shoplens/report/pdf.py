"""``summary.pdf``: the one-page A4 summary, drawn by matplotlib from the same numbers.

One matplotlib figure of A4 size saved with ``PdfPages`` is one page by construction;
the layout places fixed panels (KPIs, activity, funnel, retention, segments, the
benchmark and the top insights) so nothing can flow onto a second page. A section that
is unavailable shows its reason in its panel.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from shoplens.report import charts
from shoplens.report.format import kpi_value, ms, num
from shoplens.report.model import ReportData, Section

A4 = (8.27, 11.69)
LEFT, RIGHT = 0.07, 0.97
MID = 0.53


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(p, width) for p in text.split("\n"))


def _panel(fig: Figure, rect: tuple[float, float, float, float], section: Section, draw,
           reading_key: str | None, wrap: int = 62) -> None:
    x, y, w, h = rect
    if not section.available:
        ax = fig.add_axes(rect)
        ax.axis("off")
        ax.text(0, 0.5, _wrap(f"Section unavailable: {section.reason}", wrap), fontsize=7,
                color="#92400e", va="center")
        return
    ax = fig.add_axes((x, y + 0.035, w, h - 0.035))
    draw(ax, section)
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontsize(6.5)
    ax.title.set_fontsize(8.5)
    legend = ax.get_legend()
    if legend:
        for t in legend.get_texts():
            t.set_fontsize(6.5)
    reading = section.readings.get(reading_key or "", "")
    if reading:
        fig.text(x - 0.04, y - 0.004, _wrap(reading, wrap), fontsize=6.3, va="top",
                 color="#374151")


def _kpi_strip(fig: Figure, report: ReportData, top: float) -> None:
    items: list[tuple[str, str]] = []
    o = report.overview
    if o.available:
        items += [("users", num(o.users)), ("events", num(o.events))]
    if report.kpis.available:
        items += [(k.label, kpi_value(k.value, k.unit)) for k in report.kpis.kpis[:6]]
    else:
        fig.text(LEFT, top - 0.055, _wrap(f"KPIs unavailable: {report.kpis.reason}", 130),
                 fontsize=7, color="#92400e")
    items = items[:8]
    width = (RIGHT - LEFT) / max(len(items), 1)
    for i, (label, value) in enumerate(items):
        fig.text(LEFT + i * width, top - 0.02, value, fontsize=12, weight="bold")
        fig.text(LEFT + i * width, top - 0.034, label, fontsize=6.5, color="#6b7280")


def _benchmark_table(ax: Axes, report: ReportData) -> None:
    ax.axis("off")
    b = report.benchmark
    engines = ", ".join(sorted({r.engine for r in b.rows}))
    ax.set_title(f"Query optimization{' on ' + engines if engines else ''} (median ms)",
                 fontsize=8.5, loc="left", weight="bold")
    if not b.available:
        ax.text(0, 0.95, _wrap(f"Section unavailable: {b.reason}", 60), fontsize=7,
                color="#92400e", va="top")
        return
    reading = _wrap(b.readings.get("benchmark", ""), 72)
    ax.text(0, 1.0, reading, fontsize=6.2, va="top", color="#374151")
    rows = [[r.metric, ms(r.naive_ms), ms(r.optimized_ms),
             f"{r.speedup:.1f}×" if r.speedup else "–",
             "yes" if r.rows_equal else "NO" if r.rows_equal is False else "–"]
            for r in b.rows[:14]]
    # the table starts below however many lines the reading took
    top = max(0.45, 0.97 - 0.042 * (reading.count("\n") + 1)) if reading else 0.98
    height = min(top, 0.057 * (len(rows) + 1))
    table = ax.table(cellText=rows, colLabels=["metric", "naive", "optimized", "speed-up",
                                               "equal"],
                     cellLoc="right", colLoc="right", colWidths=[0.38, 0.17, 0.17, 0.14, 0.1],
                     bbox=(0, top - height, 1, height))
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    for (row, col), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        if col == 0:
            cell.set_text_props(ha="left")
        if row == 0:
            cell.set_facecolor("#f3f4f6")
        if row > 0 and col == 4 and rows[row - 1][4] == "NO":
            cell.set_text_props(color="#b91c1c", weight="bold")
        if row > 0 and col == 3 and (b.rows[row - 1].speedup or 1) < 1:
            cell.set_text_props(color="#c2410c")  # the optimized form was slower


def _insights(ax: Axes, report: ReportData) -> None:
    ax.axis("off")
    i = report.insights
    ax.set_title("Insights" + (f" ({i.provider})" if i.available and i.provider else ""),
                 fontsize=8.5, loc="left", weight="bold")
    if not i.available:
        ax.text(0, 0.95, _wrap(f"Section unavailable: {i.reason}", 60), fontsize=7,
                color="#92400e", va="top")
        return
    order = {"high": 0, "medium": 1, "low": 2}
    best = sorted(i.insights, key=lambda x: order.get((x.priority or "").lower(), 3))[:4]
    lines: list[str] = []
    for n, ins in enumerate(best, 1):
        lines.append(_wrap(f"{n}. {ins.title}" + (f" [{ins.priority}]" if ins.priority else ""), 62))
        if ins.recommendation:
            lines.append(_wrap(f"→ {ins.recommendation}", 64))
    ax.text(0, 0.97, "\n".join(lines), fontsize=6.4, va="top", linespacing=1.25)


def render_pdf(report: ReportData, out: Path) -> Path:
    """Write ``out/summary.pdf``: exactly one A4 page."""
    fig = plt.figure(figsize=A4)
    o = report.overview
    fig.text(LEFT, 0.965, report.title + " — summary", fontsize=16, weight="bold")
    span = (f"events {o.first_event:%Y-%m-%d} to {o.last_event:%Y-%m-%d} ({o.days} days) · "
            if o.available and o.first_event else "")
    fig.text(LEFT, 0.948, f"{span}{report.engine} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
             fontsize=7.5, color="#6b7280")
    _kpi_strip(fig, report, 0.94)

    k = report.kpis
    has_activity = k.available and any(k.series.get(s) for s in ("dau", "wau", "mau"))
    activity = k if has_activity else k.model_copy(update={
        "available": False, "reason": k.reason or "no activity series"})
    _panel(fig, (LEFT + 0.04, 0.70, MID - LEFT - 0.08, 0.17), activity,
           charts.draw_active_users, "active_users")
    f = report.funnel
    _panel(fig, (MID + 0.1, 0.70, RIGHT - MID - 0.1, 0.17), f if f.steps or not f.available
           else f.model_copy(update={"available": False, "reason": "no funnel steps"}),
           charts.draw_funnel, "funnel", wrap=58)

    c = report.cohorts
    cohorts = c if c.cohorts or not c.available else c.model_copy(
        update={"available": False, "reason": "no cohorts"})
    _panel(fig, (LEFT + 0.1, 0.38, MID - LEFT - 0.1, 0.26), cohorts,
           lambda ax, s: charts.draw_cohort_heatmap(ax, s, annotate=len(s.cohorts) <= 14),
           "cohort_heatmap", wrap=64)
    s = report.segments
    segs = s if s.segments or not s.available else s.model_copy(
        update={"available": False, "reason": "no segments"})
    _panel(fig, (MID + 0.13, 0.44, RIGHT - MID - 0.13, 0.20), segs, charts.draw_segments,
           "segments", wrap=56)

    _benchmark_table(fig.add_axes((LEFT, 0.04, MID - LEFT - 0.03, 0.27)), report)
    _insights(fig.add_axes((MID + 0.02, 0.04, RIGHT - MID - 0.02, 0.33)), report)
    fig.text(LEFT, 0.012, "ShopLens · every number on this page is in results.json; "
             "the HTML report has the full tables and charts.", fontsize=6, color="#9ca3af")

    path = out / "summary.pdf"
    with PdfPages(path, metadata={"Title": report.title, "Creator": "ShopLens"}) as pdf:
        pdf.savefig(fig)
    plt.close(fig)
    return path
