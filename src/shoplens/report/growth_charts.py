"""Charts of the growth section: breakdown bars, the lifecycle and stickiness."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from shoplens.report.format import axis_money, num
from shoplens.report.model import BreakdownRow, GrowthSection

BLUE, ORANGE, GREEN, RED, PURPLE = "#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea"


def _label(v: str | None) -> str:
    return "(not set)" if v is None else v


def _revenue_bars(ax: Axes, rows: list[BreakdownRow], what: str) -> None:
    rows = rows[::-1]
    y = np.arange(len(rows))
    ax.barh(y, [r.revenue or 0 for r in rows], color=BLUE)
    ax.set_yticks(y, [f"{_label(r.value)}  ({num(r.buyers or 0)} buyers)" for r in rows])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: axis_money(v)))
    ax.set_title(f"Net revenue by {what} (buyers in brackets)")


def draw_by_country(ax: Axes, g: GrowthSection) -> None:
    _revenue_bars(ax, g.by_country, "country")


def draw_by_channel(ax: Axes, g: GrowthSection) -> None:
    _revenue_bars(ax, g.by_channel, "acquisition channel (first touch)")


def draw_lifecycle(ax: Axes, g: GrowthSection) -> None:
    pts = g.lifecycle
    x = np.arange(len(pts))
    new = np.array([p.new for p in pts])
    ret = np.array([p.returning for p in pts])
    res = np.array([p.resurrecting for p in pts])
    # a last interval the data covers only in part is drawn pale: its dormant users
    # may still come back before it ends
    partial = _partial_last(g)
    alpha = [0.35 if partial and i == len(pts) - 1 else 1.0 for i in range(len(pts))]
    for ys, bottom, color, label in ((new, 0, GREEN, "new"), (ret, new, BLUE, "returning"),
                                     (res, new + ret, PURPLE, "resurrecting"),
                                     ([p.dormant for p in pts], 0, RED, "dormant")):
        bars = ax.bar(x, ys, bottom=bottom, color=color, label=label)
        for bar, a in zip(bars, alpha, strict=True):
            bar.set_alpha(a)
    ax.axhline(0, color="#111827", lw=0.6)
    step = max(1, len(pts) // 12)
    ax.set_xticks(x[::step], [p.date[5:] for p in pts][::step])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: num(v)))
    ax.legend(frameon=False, ncols=4, loc="upper left", fontsize=8)
    title = f"Lifecycle per {g.lifecycle_interval or 'week'} (dormant below zero)"
    if partial:
        title += f"; last {g.lifecycle_interval or 'week'} partial (data to {g.lifecycle_until})"
    ax.set_title(title)


def _partial_last(g: GrowthSection) -> bool:
    """The last lifecycle interval ends after the data's last day."""
    import datetime as dt

    if not g.lifecycle or not g.lifecycle_until:
        return False
    start = dt.date.fromisoformat(g.lifecycle[-1].date[:10])
    unit = g.lifecycle_interval or "week"
    if unit == "day":
        last = start
    elif unit == "week":
        last = start + dt.timedelta(days=6)
    else:
        nxt = start.replace(day=28) + dt.timedelta(days=4)
        last = nxt - dt.timedelta(days=nxt.day)
    return last > dt.date.fromisoformat(g.lifecycle_until)


def draw_stickiness(ax: Axes, g: GrowthSection) -> None:
    pts = g.stickiness
    ax.bar([p.intervals for p in pts], [p.share or 0 for p in pts], color=ORANGE)
    # decimals as the ticks need them (2.5% steps read "2%, 5%, 8%" with none)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_xlabel("days active")
    ax.set_title(f"Stickiness: {g.stickiness_note or 'users by days active'}")


def draw_retention_by_channel(ax: Axes, g: GrowthSection) -> None:
    for i, row in enumerate(g.retention_by_channel):
        ys = [np.nan if v is None else v for v in row.rates]
        ax.plot(range(len(ys)), ys, marker="o", ms=3,
                color=[BLUE, ORANGE, GREEN, PURPLE, RED, "#6b7280"][i % 6],
                label=f"{_label(row.value)} (n={num(row.size)})")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole periods, never 0.2
    ax.set_xlabel(f"{g.retention_period or 'week'}s after the first event")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Retention by acquisition channel")


def growth_specs(g: GrowthSection) -> list[tuple[str, str, object, tuple[float, float]]]:
    if not g.available:
        return []
    specs: list[tuple[str, str, object, tuple[float, float]]] = []
    if g.by_country:
        specs.append(("growth", "revenue_by_country", draw_by_country,
                      (9, 1.2 + 0.35 * len(g.by_country))))
    if g.by_channel:
        specs.append(("growth", "revenue_by_channel", draw_by_channel,
                      (9, 1.2 + 0.35 * len(g.by_channel))))
    if g.retention_by_channel:
        specs.append(("growth", "retention_by_channel", draw_retention_by_channel, (9, 3.2)))
    if g.lifecycle:
        specs.append(("growth", "lifecycle", draw_lifecycle, (9, 3.4)))
    if g.stickiness:
        specs.append(("growth", "stickiness", draw_stickiness, (9, 3.0)))
    return specs


def readings(g: GrowthSection) -> dict[str, str]:
    """One sentence per chart, from the numbers."""
    out: dict[str, str] = {}
    for key, rows, what in (("revenue_by_country", g.by_country, "country"),
                            ("revenue_by_channel", g.by_channel, "channel")):
        total = sum(r.revenue or 0 for r in rows)
        if rows and total:
            top = rows[0]
            out[key] = (f"{_label(top.value)} is the first {what}: {num(top.revenue or 0)} of "
                        f"{num(total)} net revenue ({(top.revenue or 0) / total:.0%}), "
                        f"{num(top.buyers or 0)} buyers.")
    if g.lifecycle:
        last = g.lifecycle[-1]
        out["lifecycle"] = (f"Last {g.lifecycle_interval or 'week'} ({last.date}): {num(last.new)} "
                            f"new, {num(last.returning)} returning, {num(last.resurrecting)} "
                            f"resurrecting, {num(-last.dormant)} gone dormant.")
    if g.stickiness:
        total = sum(p.users for p in g.stickiness)
        once = g.stickiness[0].users
        if total:
            out["stickiness"] = (f"{once / total:.0%} of the {num(total)} active users came on "
                                 "one day only.")
    if g.retention_by_channel:
        best = max(g.retention_by_channel,
                   key=lambda r: (r.rates[1] if len(r.rates) > 1 and r.rates[1] is not None
                                  else -1))
        if len(best.rates) > 1 and best.rates[1] is not None:
            out["retention_by_channel"] = (f"{_label(best.value)} keeps the most users one "
                                           f"{g.retention_period or 'week'} later: "
                                           f"{best.rates[1]:.0%}.")
    return out
