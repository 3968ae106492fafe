"""Pictures of a retention matrix: a heatmap and retention curves, as PNG (matplotlib,
Agg backend) for files and the PDF, and as plotly figures for the HTML report.

Censored cells are left blank — never drawn as 0 — and every picture says up to which
day the data was observed.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shoplens.cohorts.result import CohortResult

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

CENSORED_COLOR = "#f4f4f4"
_UNIT_WORD = {"day": "day", "week": "week", "month": "month"}
_ANCHOR_WORD = {"signup": "signup", "first_activity": "first activity",
                "first_purchase": "first purchase"}
_PERIOD_ADJ = {"day": "daily", "week": "weekly", "month": "monthly"}


# -- words ------------------------------------------------------------------------------
def title(result: CohortResult) -> str:
    """``Retention of monthly signup cohorts: share of users active in week N``."""
    p = result.params
    unit = _UNIT_WORD[p.offset_unit]
    active = "who purchased" if p.active_on == "purchase" else "active"
    what = {
        ("users", "classic"): f"share of users {active} in {unit} N",
        ("users", "rolling"): f"share of users {active} in {unit} N or later",
        ("users", "cumulative"): f"share of users {active} at least once by {unit} N",
        ("orders", "classic"): f"orders in {unit} N / orders in {unit} 0",
        ("orders", "rolling"): f"orders in {unit} N or later / orders in {unit} 0",
        ("orders", "cumulative"): f"cumulative orders per user by {unit} N",
        ("revenue", "classic"): f"revenue in {unit} N / revenue in {unit} 0",
        ("revenue", "rolling"): f"revenue in {unit} N or later / revenue in {unit} 0",
        ("revenue", "cumulative"): f"cumulative revenue per user (LTV) by {unit} N",
    }[(p.measure, p.kind)]
    return f"{_PERIOD_ADJ[p.period].capitalize()} {_ANCHOR_WORD[p.cohort_by]} cohorts: {what}"


def footnote(result: CohortResult) -> str:
    parts = [f"Data observed {result.observed_from} .. {result.observed_until}; "
             "blank cells are not yet observable (censored), not 0. The weighted average "
             "at each offset pools the cohorts observed there."]
    if result.fallback_note:
        parts.append(result.fallback_note[0].upper() + result.fallback_note[1:] + ".")
    return " ".join(parts)


def x_label(result: CohortResult) -> str:
    p = result.params
    return f"{_UNIT_WORD[p.offset_unit]}s since {_ANCHOR_WORD[p.cohort_by]}"


def format_value(value: float | None, unit: str) -> str:
    """``42%`` / ``4.2%`` for fractions, ``12.3`` for per-user amounts, blank for None."""
    if value is None or not np.isfinite(value):
        return ""
    if unit == "per_user":
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}"
    pct = 100 * value
    return f"{pct:.0f}%" if abs(pct) >= 10 or pct == 0 else f"{pct:.1f}%"


def _matrix(result: CohortResult) -> np.ndarray:
    rows = [[np.nan if v is None else v for v in r.values] for r in result.rows]
    return np.array(rows, dtype=float).reshape(len(result.rows), result.params.periods)


def _avg(result: CohortResult) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in result.average], dtype=float)


def _row_labels(result: CohortResult) -> list[str]:
    return [f"{r.label}  (n={r.size:,})" for r in result.rows]


# -- matplotlib -----------------------------------------------------------------------------
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def heatmap_figure_mpl(result: CohortResult) -> Figure:
    """The annotated heatmap as a matplotlib figure (cohorts down, offsets across, the
    weighted average as the last row)."""
    plt = _pyplot()
    from matplotlib.colors import Normalize

    unit = result.unit
    data = _matrix(result)
    avg = _avg(result)
    full = np.vstack([data, avg[None, :]]) if len(result.rows) else avg[None, :]
    labels = [*_row_labels(result), "weighted average"]
    n_rows, n_cols = full.shape

    # Offset 0 of a first-activity/first-purchase cohort is 100% by construction; scale
    # the colours on the later offsets so the part a reader studies keeps its contrast.
    later = full[:, 1:] if n_cols > 1 else full
    finite = later[np.isfinite(later)]
    if unit == "fraction":
        vmax = float(np.nanmax(finite)) if finite.size else 1.0
        vmax = max(vmax, 0.01)
        vmin = min(0.0, float(np.nanmin(finite))) if finite.size else 0.0
    else:
        vmin = min(0.0, float(np.nanmin(finite))) if finite.size else 0.0
        vmax = float(np.nanmax(finite)) if finite.size else 1.0
        vmax = vmax if vmax > vmin else vmin + 1.0
    norm = Normalize(vmin=vmin, vmax=vmax, clip=True)
    cmap = plt.get_cmap("Blues").with_extremes(bad=CENSORED_COLOR)

    width = min(22.0, 3.2 + 0.78 * n_cols)
    height = min(30.0, 1.9 + 0.36 * n_rows)
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    image = ax.imshow(np.ma.masked_invalid(full), cmap=cmap, norm=norm, aspect="auto",
                      interpolation="nearest")
    font = 8 if n_cols <= 14 else 7
    for i in range(n_rows):
        for j in range(n_cols):
            value = full[i, j]
            if not np.isfinite(value):
                continue
            shade = norm(value)
            ax.text(j, i, format_value(float(value), unit), ha="center", va="center",
                    fontsize=font, color="white" if shade > 0.6 else "#1a1a1a",
                    fontweight="bold" if i == n_rows - 1 else "normal")
    ax.axhline(n_rows - 1.5, color="#333333", linewidth=1.2)
    ax.set_xticks(range(n_cols), [str(n) for n in range(n_cols)])
    ax.set_yticks(range(n_rows), labels)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.tick_params(length=0, labelsize=8.5)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(x_label(result), fontsize=9)
    ax.set_ylabel("cohort (size)", fontsize=9)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    cbar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
    cbar.ax.tick_params(labelsize=7.5)
    if unit == "fraction":
        cbar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    if n_cols > 1:
        cbar.set_label(f"colour scale fitted to offsets 1..{n_cols - 1}", fontsize=7.5,
                       color="#555555")
    ax.set_title(title(result), fontsize=11, loc="left", pad=10)
    fig.text(0.01, 0.005, footnote(result), fontsize=7.5, color="#555555", ha="left",
             va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def curves_figure_mpl(result: CohortResult) -> Figure:
    """One line per cohort (older cohorts lighter) plus the weighted average in black;
    a line stops where its cohort stops being observable."""
    plt = _pyplot()
    data = _matrix(result)
    avg = _avg(result)
    offsets = np.arange(result.params.periods)
    fig, ax = plt.subplots(figsize=(9.5, 5.2), dpi=110)
    cmap = plt.get_cmap("viridis")
    n = len(result.rows)
    for i, row in enumerate(result.rows):
        color = cmap(0.1 + 0.8 * (i / max(n - 1, 1)))
        ax.plot(offsets, data[i], marker="o", markersize=3, linewidth=1.3, alpha=0.85,
                color=color, label=f"{row.label} (n={row.size:,})")
    ax.plot(offsets, avg, color="black", linewidth=2.8, marker="o", markersize=4,
            label="weighted average", zorder=5)
    ax.set_xticks(offsets)
    ax.set_xlim(-0.3, max(len(offsets) - 0.7, 0.7))
    ax.set_xlabel(x_label(result))
    if result.unit == "fraction":
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        ax.set_ylabel("retention")
    else:
        ax.set_ylabel(f"{result.params.measure} per user")
    finite = np.concatenate([data[np.isfinite(data)], avg[np.isfinite(avg)]])
    if finite.size and finite.min() >= 0:
        ax.set_ylim(bottom=0)
    ax.grid(True, color="#dddddd", linewidth=0.7)
    ax.spines[["top", "right"]].set_visible(False)
    ncol = 1 if n <= 14 else 2
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False,
              ncol=ncol, title="cohort", title_fontsize=8)
    ax.set_title(title(result), fontsize=11, loc="left")
    fig.text(0.01, 0.005, footnote(result), fontsize=7.5, color="#555555", ha="left",
             va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def _png(fig: Figure, path: str | Path | None) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    data = buf.getvalue()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    return data


def heatmap_png(result: CohortResult, path: str | Path | None = None) -> bytes:
    """The heatmap as PNG bytes, also written to ``path`` when given."""
    return _png(heatmap_figure_mpl(result), path)


def curves_png(result: CohortResult, path: str | Path | None = None) -> bytes:
    """The retention curves as PNG bytes, also written to ``path`` when given."""
    return _png(curves_figure_mpl(result), path)


def png_base64(png: bytes) -> str:
    """A ``data:`` URI for an ``<img src=...>`` in the HTML report."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# -- plotly -------------------------------------------------------------------------------
def heatmap_figure(result: CohortResult) -> go.Figure:
    """The heatmap as a plotly figure (censored cells are gaps, hover shows counts)."""
    import plotly.graph_objects as go

    data = _matrix(result)
    avg = _avg(result)
    z = np.vstack([data, avg[None, :]]) if len(result.rows) else avg[None, :]
    labels = [*_row_labels(result), "weighted average"]
    text = [[format_value(None if not np.isfinite(v) else float(v), result.unit) for v in row]
            for row in z]
    z_list = [[None if not np.isfinite(v) else float(v) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z_list, x=[str(n) for n in range(result.params.periods)], y=labels,
        text=text, texttemplate="%{text}", colorscale="Blues", hoverongaps=False,
        hovertemplate="%{y}<br>offset %{x}: %{text}<extra></extra>",
        zmin=0 if result.unit == "fraction" else None,
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", title_text=x_label(result), type="category")
    fig.update_layout(title=title(result), plot_bgcolor=CENSORED_COLOR,
                      margin={"l": 10, "r": 10, "t": 90, "b": 60},
                      annotations=[{"text": footnote(result), "showarrow": False,
                                    "xref": "paper", "yref": "paper", "x": 0, "y": -0.08,
                                    "xanchor": "left", "font": {"size": 10}}])
    return fig


def curves_figure(result: CohortResult) -> go.Figure:
    """The retention curves as a plotly figure."""
    import plotly.graph_objects as go

    offsets = list(range(result.params.periods))
    fig = go.Figure()
    for row in result.rows:
        fig.add_trace(go.Scatter(x=offsets, y=row.values, mode="lines+markers",
                                 name=f"{row.label} (n={row.size:,})", line={"width": 1.3}))
    fig.add_trace(go.Scatter(x=offsets, y=result.average, mode="lines+markers",
                             name="weighted average", line={"width": 4, "color": "black"}))
    fig.update_layout(title=title(result), xaxis_title=x_label(result),
                      yaxis_tickformat=".0%" if result.unit == "fraction" else None,
                      legend_title_text="cohort")
    return fig


__all__ = ["curves_figure", "curves_png", "format_value", "heatmap_figure", "heatmap_png",
           "png_base64", "title"]
