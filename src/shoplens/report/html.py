"""``index.html``: one self-contained page rendered by Jinja2 from a :class:`ReportData`.

Self-contained means it works opened from disk with no network: inline CSS, system
fonts, PNGs embedded as data URIs (and written beside the page), and plotly.js inlined
once in the head when interactive charts are on.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path

import jinja2

from shoplens.report import format as fmt
from shoplens.report.charts import offset_label, period_steps
from shoplens.report.model import ReportData

TITLES = {
    "overview": "Data", "kpis": "KPIs", "benchmark": "Query benchmark", "cohorts": "Cohorts",
    "growth": "Growth",
    "funnel": "Funnel", "paths": "Top paths", "segments": "Segments", "insights": "Insights",
    "clv": "Customer value",
    "alerts": "Alerts",
}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("shoplens.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )


def _interactive(report: ReportData) -> dict[str, str]:
    """Plotly versions of the charts that gain from hover and zoom."""
    import plotly.graph_objects as go

    figs: dict[str, go.Figure] = {}
    k = report.kpis
    if "active_users" in k.charts:
        fig = go.Figure()
        for key, label in (("dau", "DAU"), ("wau", "WAU"), ("mau", "MAU")):
            pts = [p for p in k.series.get(key, []) if p.y is not None]
            if pts:
                xs, ys = period_steps(key, pts)
                fig.add_scatter(x=[x.date().isoformat() for x in xs], y=ys, name=label,
                                mode="lines", line_shape="linear" if key == "dau" else "hv")
        fig.update_layout(title="Active users", yaxis_title="users")
        figs["active_users"] = fig
    c = report.cohorts
    if "cohort_heatmap" in c.charts:
        z = [[None if v is None else round(v * 100, 2) for v in row.values] for row in c.cohorts]
        width = max((len(row) for row in z), default=0)
        z = [row + [None] * (width - len(row)) for row in z]
        text = [["" if v is None else f"{v:.1f}%" for v in row] for row in z]
        # colour by the later offsets (offset 0 is 100 % by definition) so that their
        # differences show; blank (None) cells stay blank
        rest = [v for row in z for v in row[1:] if v is not None]
        fig = go.Figure(go.Heatmap(
            z=z, x=[offset_label(c, j) for j in range(width)],
            y=[f"{row.cohort} (n={row.size})" for row in c.cohorts], text=text,
            texttemplate="%{text}", colorscale="Blues", hoverongaps=False,
            zmin=0, zmax=max(rest) if rest else None,
            colorbar={"title": "%"},
            hovertemplate="%{y}<br>%{x}: %{z:.1f}%<extra></extra>"))
        fig.update_yaxes(autorange="reversed", type="category")
        fig.update_layout(title="Retention (blank = not observable yet)",
                          height=max(320, 60 + 26 * len(c.cohorts)))
        figs["cohort_heatmap"] = fig
    if "sankey" in report.paths.charts and report.paths.sankey:
        from shoplens.insights.paths.sankey import figure

        fig = figure({"links": report.paths.sankey}, "Session paths")
        fig.update_layout(width=None, height=520)
        figs["sankey"] = fig
    out = {}
    for key, fig in figs.items():
        fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 40, "b": 40},
                          font={"family": "system-ui, sans-serif"})
        out[key] = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"plot-{key}",
                               config={"displaylogo": False, "responsive": True})
    return out


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(report: ReportData, out: Path, *, interactive: bool = True) -> Path:
    """Write ``out/index.html`` (the PNGs must already be in ``out``)."""
    images = {}
    for key in TITLES:
        for name in report.section(key).charts.values():
            images[name] = _data_uri(out / name)
    plots = _interactive(report) if interactive else {}
    plotlyjs = ""
    if plots:
        from plotly.offline import get_plotlyjs

        plotlyjs = get_plotlyjs().replace("</script", "<\\/script")
    width = max((len(row.values) for row in report.cohorts.cohorts), default=0)
    html = _environment().get_template("report.html.j2").render(
        r=report, f=fmt, titles=TITLES, images=images, interactive=plots, plotlyjs=plotlyjs,
        offset_labels=[offset_label(report.cohorts, j) for j in range(width)], math=math,
    )
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
