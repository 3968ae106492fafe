"""Checking segments against a known truth (e.g. the generator's ``personas.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from shoplens.errors import InputError


def read_personas(path: str | Path) -> pd.Series:
    """``user_id -> persona`` from ``personas.csv`` or ``personas.parquet``."""
    p = Path(path)
    if p.is_dir():
        p = p / "personas.csv" if (p / "personas.csv").exists() else p / "personas.parquet"
    if not p.exists():
        raise InputError("personas file not found", file=str(p))
    df = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p, dtype=str)
    for col in ("user_id", "persona"):
        if col not in df.columns:
            raise InputError(f"missing column {col!r}", file=str(p), field=col)
    return pd.Series(
        df["persona"].astype(str).to_numpy(), index=df["user_id"].astype(str).astype("string"), name="persona"
    )


def adjusted_rand(segments: pd.Series, truth: pd.Series) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) over the users present in both."""
    both = pd.concat([segments.rename("segment"), truth.rename("truth")], axis=1, join="inner")
    if both.empty:
        raise InputError("no user appears both in the segments and in the truth")
    return float(adjusted_rand_score(both["truth"], both["segment"]))


def confusion(segments: pd.Series, truth: pd.Series) -> pd.DataFrame:
    """Users per (truth, segment)."""
    both = pd.concat([segments.rename("segment"), truth.rename("truth")], axis=1, join="inner")
    return pd.crosstab(both["truth"], both["segment"])


def majority_names(segments: pd.Series, truth: pd.Series) -> dict[str, str]:
    """For each true label, the segment name most of its users received."""
    table = confusion(segments, truth)
    return {str(t): str(table.loc[t].idxmax()) for t in table.index}
