"""The paths as a sankey diagram: plotly for HTML (and PNG through kaleido, which
drives the machine's Chromium), matplotlib for PNG where kaleido cannot run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shoplens.errors import ConfigError

#: nodes drawn per step; the rest of a step's nodes are merged into :data:`OTHER`
PER_STEP = 8
OTHER = "other"
#: the node after a step for the sessions whose path ends there (the payload's ``ends``)
ENDED = "(ended)"
ENDED_COLOR = "#9A9A9A"
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
           "#FF9DA6", "#9D755D", "#BAB0AC")


def flows(payload: dict[str, Any], per_step: int = PER_STEP) -> list[dict[str, Any]]:
    """What a sankey draws: the payload's ``links`` and, from its ``ends``, a link from
    each node to an :data:`ENDED` node of the next step for the sessions whose path ends
    there; then :func:`top_links`. Every drawing (CLI, report, explorer) uses this."""
    ended = [{"step": e["step"], "source": e["node"], "target": ENDED, "count": e["count"]}
             for e in payload.get("ends") or []]
    return top_links([*payload.get("links", []), *ended], per_step)


def top_links(links: list[dict[str, Any]], per_step: int = PER_STEP) -> list[dict[str, Any]]:
    """The links with, per step, only the ``per_step`` nodes most actors pass through;
    the others become one node :data:`OTHER` (so a shop with hundreds of event names
    still draws a readable sankey). Counts are kept: merged links are summed. The
    :data:`ENDED` node is always kept and not counted among the ``per_step``."""
    size: dict[tuple[int, str], int] = {}
    for lk in links:
        for key in ((lk["step"], lk["source"]), (lk["step"] + 1, lk["target"])):
            size[key] = size.get(key, 0) + lk["count"]
    kept: set[tuple[int, str]] = set()
    for step in {s for s, _ in size}:
        names = sorted((n for s, n in size if s == step and n != ENDED),
                       key=lambda n: (-size[(step, n)], n))
        kept |= {(step, n) for n in names[:per_step]} | {(step, ENDED)}
    merged: dict[tuple[int, str, str], int] = {}
    for lk in links:
        a = lk["source"] if (lk["step"], lk["source"]) in kept else OTHER
        b = lk["target"] if (lk["step"] + 1, lk["target"]) in kept else OTHER
        key = (lk["step"], a, b)
        merged[key] = merged.get(key, 0) + lk["count"]
    return [{"step": st, "source": a, "target": b, "count": n}
            for (st, a, b), n in sorted(merged.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1:]))]


def _nodes(payload: dict[str, Any]) -> tuple[list[tuple[int, str]], dict[tuple[int, str], int]]:
    keys: list[tuple[int, str]] = []
    index: dict[tuple[int, str], int] = {}
    for link in payload["links"]:
        for key in ((link["step"], link["source"]), (link["step"] + 1, link["target"])):
            if key not in index:
                index[key] = len(keys)
                keys.append(key)
    return keys, index


def _colors(keys: list[tuple[int, str]]) -> dict[str, str]:
    names = sorted({name for _, name in keys} - {ENDED})
    out = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    return {**out, ENDED: ENDED_COLOR}


def _layout(links: list[dict[str, Any]],
            ) -> tuple[dict[tuple[int, str], float], dict[tuple[int, str], float], float]:
    """Per node (step, name): its height (the larger of what enters and leaves) and the
    top of its bar, stacked by size down each step's column with the :data:`ENDED`
    node at the bottom; and the gap between bars."""
    size: dict[tuple[int, str], float] = {}
    inflow: dict[tuple[int, str], float] = {}
    for lk in links:
        a, b = (lk["step"], lk["source"]), (lk["step"] + 1, lk["target"])
        size[a] = size.get(a, 0) + lk["count"]
        inflow[b] = inflow.get(b, 0) + lk["count"]
    for b, n in inflow.items():
        size[b] = max(size.get(b, 0), n)
    steps = sorted({s for s, _ in size})
    total = max(sum(v for (s, _), v in size.items() if s == st) for st in steps)
    gap = total * 0.04
    pos: dict[tuple[int, str], float] = {}
    for st in steps:
        y = 0.0
        for key in sorted((k for k in size if k[0] == st), key=lambda k: (k[1] == ENDED, -size[k])):
            pos[key] = y
            y += size[key] + gap
    return size, pos, gap


def positions(links: list[dict[str, Any]]) -> dict[tuple[int, str], tuple[float, float]]:
    """Plotly node positions (x, y in 0..1, the node's centre) per (step, name), stacked
    as the PNG draws them. Without them plotly pushes every node with no outgoing link
    (each step's :data:`ENDED`) into the last column."""
    size, pos, gap = _layout(links)
    steps = sorted({s for s, _ in size})
    span = max(steps[-1] - steps[0], 1)
    height = max(pos[k] + size[k] for k in pos) + gap
    return {k: (0.01 + 0.98 * (k[0] - steps[0]) / span,
                min(0.99, max(0.01, (pos[k] + size[k] / 2) / height))) for k in pos}


def figure(payload: dict[str, Any], title: str = "Paths") -> Any:
    """A plotly ``Sankey`` figure: a node per (step, node), links weighted by actors, and
    grey :data:`ENDED` nodes for the sessions whose path ends at a step."""
    import plotly.graph_objects as go

    payload = {**payload, "links": flows(payload)}
    keys, index = _nodes(payload)
    colors = _colors(keys)
    links = payload["links"]
    xy = positions(links)
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": [f"{name} ({step})" for step, name in keys], "pad": 14,
              "color": [colors[name] for _, name in keys],
              "x": [xy[k][0] for k in keys], "y": [xy[k][1] for k in keys]},
        link={"source": [index[(lk["step"], lk["source"])] for lk in links],
              "target": [index[(lk["step"] + 1, lk["target"])] for lk in links],
              "value": [lk["count"] for lk in links],
              "color": [colors[lk["target" if lk["target"] == ENDED else "source"]] + "66"
                        for lk in links]}))
    fig.update_layout(title_text=title, font_size=12, width=1100, height=600)
    return fig


def write(payload: dict[str, Any], path: Path, title: str = "Paths") -> Path:
    """Write the sankey to ``path``: ``.html`` (interactive) or ``.png``."""
    if not payload["links"]:
        raise ConfigError("no path has two steps: nothing to draw")
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        figure(payload, title).write_html(path, include_plotlyjs="cdn")
        return path
    if suffix != ".png":
        raise ConfigError(f"--sankey {path}: write .html or .png")
    try:
        figure(payload, title).write_image(path, width=1100, height=600, scale=1.5)
    except Exception:  # kaleido missing or no Chromium on this machine
        draw_png(payload, path, title)
    return path


def draw_png(payload: dict[str, Any], path: Path, title: str = "Paths") -> None:
    """A static sankey with matplotlib: stacked node bars per step, bands between."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    payload = {**payload, "links": flows(payload)}
    keys, _ = _nodes(payload)
    colors = _colors(keys)
    size, pos, gap = _layout(payload["links"])
    steps = sorted({s for s, _ in keys})
    fig, ax = plt.subplots(figsize=(11, 6))
    width = 0.12
    links = payload["links"]
    src = [(lk["step"], lk["source"]) for lk in links]
    dst = [(lk["step"] + 1, lk["target"]) for lk in links]
    # bands leave a node in the order of their targets' heights and enter one in the
    # order of their sources', so they do not cross on the way
    out_at, in_at = dict(pos), dict(pos)
    out_y, in_y = {}, {}
    for i in sorted(range(len(links)), key=lambda i: pos[dst[i]]):
        out_y[i] = out_at[src[i]]
        out_at[src[i]] += links[i]["count"]
    for i in sorted(range(len(links)), key=lambda i: pos[src[i]]):
        in_y[i] = in_at[dst[i]]
        in_at[dst[i]] += links[i]["count"]
    for i in sorted(range(len(links)), key=lambda i: -links[i]["count"]):
        lk, a, b = links[i], src[i], dst[i]
        v = lk["count"]
        y0, y1 = out_y[i], in_y[i]
        x0, x1 = a[0] + width / 2, b[0] - width / 2
        xm = (x0 + x1) / 2
        verts = [(x0, y0), (xm, y0), (xm, y1), (x1, y1), (x1, y1 + v), (xm, y1 + v),
                 (xm, y0 + v), (x0, y0 + v), (x0, y0)]
        codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO,
                 MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.CLOSEPOLY]
        band = colors[lk["target" if lk["target"] == ENDED else "source"]]
        ax.add_patch(PathPatch(MPath(verts, codes), facecolor=band, alpha=0.35,
                               edgecolor="none"))
    for key, y in pos.items():
        ax.add_patch(plt.Rectangle((key[0] - width / 2, y), width, size[key],
                                   color=colors[key[1]]))
        ax.text(key[0] + width / 2 + 0.02, y + size[key] / 2, f"{key[1]} ({size[key]:,.0f})",
                va="center", fontsize=8)
    ax.set_xlim(min(steps) - 0.3, max(steps) + 0.8)
    ax.set_ylim(-gap, max(pos[k] + size[k] for k in pos) + gap)
    ax.invert_yaxis()
    ax.set_xticks(steps, [f"step {s}" for s in steps])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
