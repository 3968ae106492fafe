"""Segment profiles: size, share of revenue and the features where a segment differs most.

Notes
-----
The difference of segment ``s`` on feature ``f`` is the standardised mean difference
``z = (mean_s(f) - mean_all(f)) / sd_all(f)`` on the model scale of the feature (log
counts, rates, shares). Traits are the features with ``|z| >= 0.5``, strongest first,
written ``high_<feature>`` / ``low_<feature>``. Revenue share is the segment's revenue
(purchases minus refunds) over all users' revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shoplens.segments.features import UserFeatures

TRAIT_MIN_Z = 0.5

#: model column -> the raw column shown to people
DISPLAY = {
    "log_n_events": "n_events",
    "log_n_sessions": "n_sessions",
    "log_active_days": "active_days",
    "log_frequency": "frequency",
    "log_monetary": "monetary",
    "log_recency_days": "recency_days",
    "log_tenure_days": "tenure_days",
    "log_avg_price": "avg_price",
    "events_per_session": "events_per_session",
}


def display_name(col: str) -> str:
    return DISPLAY.get(col, col)


@dataclass
class FeatureDiff:
    feature: str
    segment_mean: float
    overall_mean: float
    z: float


@dataclass
class SegmentProfile:
    cluster: int
    name: str = ""
    size: int = 0
    share_of_users: float = 0.0
    revenue: float = 0.0
    revenue_share: float = 0.0
    top_features: list[FeatureDiff] = field(default_factory=list)
    traits: list[str] = field(default_factory=list)
    top_queries: list[str] = field(default_factory=list)
    naming_scores: dict[str, float] = field(default_factory=dict)
    z: dict[str, float] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cluster": self.cluster,
            "size": self.size,
            "share_of_users": round(self.share_of_users, 6),
            "revenue": round(self.revenue, 4),
            "revenue_share": round(self.revenue_share, 6),
            "traits": self.traits,
            "top_features": [
                {
                    "feature": d.feature,
                    "segment_mean": round(d.segment_mean, 6),
                    "overall_mean": round(d.overall_mean, 6),
                    "z": round(d.z, 4),
                }
                for d in self.top_features
            ],
            "top_queries": self.top_queries,
            "naming_scores": {k: round(v, 4) for k, v in self.naming_scores.items()},
        }


def build_profiles(
    features: UserFeatures, labels: np.ndarray, *, history: pd.DataFrame | None = None, top: int = 6
) -> list[SegmentProfile]:
    df = features.frame
    cols = features.model_columns()
    model = df[cols].astype("float64")
    overall_mu = model.mean()
    overall_sd = model.std(ddof=0).replace(0.0, np.nan)
    raw_cols = [display_name(c) for c in cols]
    raw = df[raw_cols].astype("float64")
    raw.columns = cols
    raw_mu = raw.mean()
    revenue = df["monetary"].astype("float64")
    total_rev = float(revenue.sum())
    total = len(df)
    queries = _top_queries(history, df.index, labels) if history is not None else {}
    # one grouped pass for all segments (a million users: no per-segment boolean copies)
    seg_model = model.groupby(labels, sort=True).mean()
    seg_raw_all = raw.groupby(labels, sort=True).mean()
    sizes = pd.Series(labels).value_counts().sort_index()
    revenues = revenue.groupby(labels, sort=True).sum()
    z_all = ((seg_model - overall_mu) / overall_sd).fillna(0.0)
    profiles = []
    for c in seg_model.index:
        z = z_all.loc[c]
        order = z.abs().sort_values(ascending=False, kind="stable").index
        seg_raw = seg_raw_all.loc[c]
        diffs = [
            FeatureDiff(display_name(f), float(seg_raw[f]), float(raw_mu[f]), float(z[f]))
            for f in order[:top]
        ]
        traits = [
            f"{'high' if z[f] > 0 else 'low'}_{display_name(f)}" for f in order if abs(z[f]) >= TRAIT_MIN_Z
        ][:top]
        size = int(sizes.loc[c])
        rev = float(revenues.loc[c])
        profiles.append(
            SegmentProfile(
                cluster=int(c),
                size=size,
                share_of_users=size / total,
                revenue=rev,
                revenue_share=rev / total_rev if total_rev else 0.0,
                top_features=diffs,
                traits=traits,
                top_queries=queries.get(int(c), []),
                z={k: float(v) for k, v in z.items()},
            )
        )
    return profiles


def _top_queries(
    history: pd.DataFrame, users: pd.Index, labels: np.ndarray, n: int = 5
) -> dict[int, list[str]]:
    if history.empty:
        return {}
    lab = pd.Series(labels, index=users)
    h = history.assign(q=history["search_query"].str.lower().str.strip())
    h = h.assign(cluster=lab.reindex(h["user_id"].astype("string")).to_numpy()).dropna(subset=["cluster"])
    counts = h.groupby(["cluster", "q"]).size().rename("n").reset_index()
    counts = counts.sort_values(["cluster", "n", "q"], ascending=[True, False, True], kind="stable")
    return {int(c): g["q"].head(n).tolist() for c, g in counts.groupby("cluster")}
