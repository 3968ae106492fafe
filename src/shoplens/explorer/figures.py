"""Plotly figures (plain JSON dicts, drawn by plotly.js in the page) for each insight.

Built from the kind-specific payload of :class:`shoplens.insights.result.InsightResult`
(see :mod:`shoplens.insights.schema`); dicts rather than ``go.Figure`` objects because
they serialise in microseconds and the browser validates them anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Figure = dict[str, Any]
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
           "legend": {"orientation": "h", "y": -0.2}, "hovermode": "x unified", "height": 420}


def _fig(data: list[dict[str, Any]], **layout: Any) -> Figure:
    return {"data": data, "layout": {**_LAYOUT, **layout}}


def _label(item: dict[str, Any]) -> str:
    label = str(item.get("label") or item.get("name") or "")
    bv = item.get("breakdown_value")
    if bv not in (None, "", []):
        bv = " / ".join(map(str, bv)) if isinstance(bv, list) else str(bv)
        label = f"{label} · {bv}" if label else bv
    if item.get("compare"):
        label += " (previous period)"
    return label or "series"


def trends(p: dict[str, Any]) -> list[Figure]:
    data = [{"type": "scatter", "mode": "lines+markers", "name": _label(s),
             "x": [pt["date"] for pt in s.get("points", [])],
             "y": [pt["value"] for pt in s.get("points", [])]} for s in p.get("series", [])]
    return [_fig(data, yaxis={"title": "value", "rangemode": "tozero"})]


def lifecycle(p: dict[str, Any]) -> list[Figure]:
    pts = p.get("points", [])
    colors = {"new": "#2c7be5", "returning": "#00a86b", "resurrecting": "#f6a609",
              "dormant": "#e63757"}
    data = [{"type": "bar", "name": state, "marker": {"color": color},
             "x": [pt["date"] for pt in pts], "y": [pt.get(state) for pt in pts]}
            for state, color in colors.items()]
    return [_fig(data, barmode="relative", yaxis={"title": "users"})]


def stickiness(p: dict[str, Any]) -> list[Figure]:
    data = [{"type": "bar", "name": _label(s),
             "x": [pt["intervals"] for pt in s.get("points", [])],
             "y": [pt["users"] for pt in s.get("points", [])]} for s in p.get("series", [])]
    return [_fig(data, barmode="group", xaxis={"title": "active intervals", "dtick": 1},
                 yaxis={"title": "users"})]


def retention(p: dict[str, Any]) -> list[Figure]:
    cohorts = p.get("cohorts", [])
    width = max((len(c.get("rates") or c.get("values") or []) for c in cohorts), default=0)
    z, labels = [], []
    for c in cohorts:
        rates = list(c.get("rates") or [])
        z.append([None if v is None else round(100 * float(v), 1) for v in rates]
                 + [None] * (width - len(rates)))
        labels.append(f"{c.get('cohort')}" + (f" · {c['breakdown_value']}"
                                              if c.get("breakdown_value") not in (None, "") else ""))
    periods = [f"+{k}" for k in range(width)]
    heat = _fig([{"type": "heatmap", "z": z, "x": periods, "y": labels, "colorscale": "Blues",
                  "reversescale": True, "zmin": 0, "zmax": 100, "hoverongaps": False, "texttemplate": "%{z}",
                  "colorbar": {"title": "%"}}],
                yaxis={"autorange": "reversed", "type": "category"}, hovermode="closest",
                margin={**_LAYOUT["margin"], "l": 150},
                height=max(320, 28 * len(labels) + 120))
    curves = [{"type": "scatter", "mode": "lines", "name": lab, "x": periods, "y": row,
               "opacity": 0.45, "line": {"width": 1}} for lab, row in zip(labels, z, strict=True)]
    mean = []
    for k in range(width):
        col = [row[k] for row in z if row[k] is not None]
        mean.append(round(sum(col) / len(col), 1) if col else None)
    curves.append({"type": "scatter", "mode": "lines+markers", "name": "mean",
                   "x": periods, "y": mean, "line": {"width": 3, "color": "#111"}})
    return [heat, _fig(curves, yaxis={"title": "% retained", "range": [0, 100]},
                       showlegend=False)]


def funnels(p: dict[str, Any]) -> list[Figure]:
    view = (p.get("query") or {}).get("view", "steps")
    if view == "trends" and p.get("points"):
        pts = p["points"]
        key = next((k for k in ("conversion_rate", "conversion", "value", "rate")
                    if k in pts[0]), None)
        return [_fig([{"type": "scatter", "mode": "lines+markers", "name": "conversion",
                       "x": [pt.get("date") for pt in pts],
                       "y": [pt.get(key) for pt in pts] if key else []}],
                     yaxis={"title": "conversion", "tickformat": ".0%", "rangemode": "tozero"})]
    if view == "time_to_convert" and p.get("histogram"):
        h = p["histogram"]
        x = [_duration(b.get("from_seconds", b.get("bin_start"))) for b in h]
        return [_fig([{"type": "bar", "x": x, "y": [b.get("count") for b in h]}],
                     xaxis={"title": "time to convert (from)", "type": "category"},
                     yaxis={"title": "conversions"}, hovermode="closest")]
    groups = p.get("breakdowns") or [{"breakdown_value": None, "steps": p.get("steps", [])}]
    data = []
    for g in groups:
        steps = g.get("steps", [])
        data.append({"type": "bar", "name": _label(g) if g.get("breakdown_value") is not None
                     else "all", "x": [f"{i + 1}. {s.get('name')}" for i, s in enumerate(steps)],
                     "y": [s.get("count") for s in steps],
                     "text": [_pct(s.get("conversion_from_start")) for s in steps],
                     "textposition": "outside"})
    return [_fig(data, barmode="group", yaxis={"title": p.get("query", {}).get("count_by",
                                                                               "users")},
                 hovermode="closest")]


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "?"
    s = float(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s / size:g}{unit}"
    return f"{s:g}s"


def _pct(v: Any) -> str:
    return "" if v is None else f"{100 * float(v):.1f}%"


PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
           "#FF9DA6", "#9D755D", "#BAB0AC")


def paths(p: dict[str, Any]) -> list[Figure]:
    from shoplens.insights.paths.sankey import ENDED, ENDED_COLOR, flows, positions

    links = flows(p)  # the CLI's and the report's flows, with the sessions ending at a step
    nodes: dict[str, int] = {}
    names: list[str] = []
    xy = positions(links) if links else {}
    where: list[tuple[float, float]] = []

    def node(step: Any, name: Any) -> int:
        key = f"{step}. {name}"
        if key not in nodes:
            nodes[key] = len(nodes)
            names.append(str(name))
            where.append(xy[(step, name)])
        return nodes[key]

    src, tgt, val = [], [], []
    for link in links:
        step = int(link.get("step", 0))
        src.append(node(step, link.get("source")))
        tgt.append(node(step + 1, link.get("target")))
        val.append(link.get("count"))
    color = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(set(names) - {ENDED}))}
    color[ENDED] = ENDED_COLOR
    return [_fig([{"type": "sankey", "arrangement": "snap",
                   "node": {"label": list(nodes), "pad": 12, "thickness": 14,
                            "color": [color[n] for n in names],
                            "x": [x for x, _ in where], "y": [y for _, y in where]},
                   "link": {"source": src, "target": tgt, "value": val,
                            "color": [color[names[s]] + "55" for s in src]}}],
                 height=max(420, 14 * len(nodes)), hovermode="closest")]


BUILDERS: dict[str, Callable[[dict[str, Any]], list[Figure]]] = {
    "trends": trends, "lifecycle": lifecycle, "stickiness": stickiness, "retention": retention,
    "funnels": funnels, "paths": paths,
}


def figures_for(kind: str, payload: dict[str, Any]) -> list[Figure]:
    """The charts of one insight result (``payload`` is ``InsightResult.to_dict()``)."""
    builder = BUILDERS.get(kind)
    return builder(payload) if builder else []
