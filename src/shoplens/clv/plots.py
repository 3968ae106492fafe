"""Pictures of a customer-value run (matplotlib, Agg backend, PNG): the holdout check
(by calibration frequency, and the cumulative repeat-transaction curve) and the
P(alive) matrix by frequency and recency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from shoplens.clv.result import ClvResult
from shoplens.clv.validation import Validation


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def holdout_png(validation: Validation, path: Path, *, model_label: str = "model",
                time_unit: str = "week") -> Path:
    """Two panels: mean holdout transactions per calibration-frequency bucket (actual,
    model, naive), and cumulative repeat transactions per day, actual vs model."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), dpi=110)
    b = validation.buckets
    x = np.arange(len(b))
    w = 0.27
    left.bar(x - w, b["actual"], w, label="actual", color="#444444")
    left.bar(x, b["predicted"], w, label=model_label, color="#2b7bba")
    left.bar(x + w, b["naive"], w, label="naive (calibration rate)", color="#e0a030")
    left.set_xticks(x, [str(v) for v in b["frequency"]])
    left.set_xlabel("repeat transactions in the calibration period")
    left.set_ylabel(f"mean transactions in the {validation.holdout_days}-day holdout")
    m = validation.metrics
    left.set_title(f"Holdout by calibration frequency — MAE {m['mae']:.3f} "
                   f"vs naive {m['naive_mae']:.3f}", fontsize=10)
    left.legend(fontsize=8)
    c = validation.curve
    if len(c):
        right.plot(c["day"], c["actual"], color="#444444", label="actual")
        right.plot(c["day"], c["predicted"], color="#2b7bba", linestyle="--", label=model_label)
        right.axvline(validation.calibration_end, color="#999999", linestyle=":")
        top = float(max(c["actual"].max(), c["predicted"].max()))
        right.annotate(" calibration end", (validation.calibration_end, top * 0.05),
                       fontsize=8, color="#666666")
    right.set_ylabel("cumulative repeat transactions")
    right.set_title("Cumulative repeat transactions, actual vs predicted", fontsize=10)
    right.legend(fontsize=8)
    for label in right.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def p_alive_png(result: ClvResult, path: Path) -> Path:
    """Heatmap of P(alive) by frequency (rows) and recency (columns) for a customer
    observed for the longest T of the data."""
    plt = _pyplot()
    matrix = result.p_alive_matrix
    values = np.ma.masked_invalid(matrix.to_numpy(dtype="float64"))
    fig, ax = plt.subplots(figsize=(7.5, 5.2), dpi=110)
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#f4f4f4")
    t_max = result.matrix_T
    im = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, vmin=0, vmax=1,
                   extent=(0, t_max, -0.5, len(matrix) - 0.5))
    unit = result.params.time_unit
    ax.set_xlabel(f"recency: {unit}s from first to last purchase")
    ax.set_ylabel("frequency: repeat purchase days")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"P(alive) after {t_max:.0f} {unit}s as a customer "
                 f"({result.params.model_label})", fontsize=10)
    fig.colorbar(im, ax=ax, label="probability the customer is still active")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_pngs(result: ClvResult, folder: Path, *, prefix: str = "clv") -> dict[str, Path]:
    """Every picture of ``result`` into ``folder``: ``{prefix}_holdout.png`` (when the
    holdout check ran) and ``{prefix}_p_alive.png``."""
    out = {"p_alive": p_alive_png(result, folder / f"{prefix}_p_alive.png")}
    if result.validation is not None:
        out["holdout"] = holdout_png(result.validation, folder / f"{prefix}_holdout.png",
                                     model_label=result.params.model_label,
                                     time_unit=result.params.time_unit)
    return out
