"""Names for segments, derived from their profiles by comparing with named prototypes.

Notes
-----
A prototype describes a kind of shopper by signals that can be checked on a profile:

- *traits*: expected direction of model features (``price_index: -1`` = cheaper than
  usual). Signal = ``sum(w_f * clip(z_f, -3, 3)) / sum(|w_f|)``.
- *categories*: words matched against the top-level categories of the data
  (``electronics``, ``computers`` ...). Signal = standardised difference of the segment's
  summed affinity to the matching categories.
- *anchor*: a few typical search queries. Signal = cosine of the segment's mean query
  vector with the anchor's vector, standardised across segments.

A prototype's score is the mean of its available signals. Segments and prototypes are
matched one-to-one maximising the total score (Hungarian algorithm); a match is kept
when its score is at least ``MIN_SCORE`` and at least ``RELATIVE`` times the segment's
best score (a segment is not named after its third choice because its first was taken).
A segment left over whose best prototype is taken by another segment is named after
that prototype qualified by the feature where the two differ most
(``occasional_browsers_low_avg_price``); one with no good prototype is named from its
strongest trait (``high_recency_days_users``). Cluster numbers never enter a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

MIN_SCORE = 0.5
RELATIVE = 0.6


@dataclass(frozen=True)
class Prototype:
    name: str
    traits: dict[str, float] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    anchor: str = ""


PROTOTYPES: tuple[Prototype, ...] = (
    Prototype(
        "tech_enthusiasts",
        categories=("electronics", "computers", "computer", "tech", "phones", "gaming", "audio"),
        anchor="laptop smartphone gaming headphones graphics card wireless earbuds 4k tv",
    ),
    Prototype(
        "fashion_lovers",
        categories=("apparel", "fashion", "clothing", "shoes", "accessories", "jewelry", "bags"),
        anchor="dress sneakers leather jacket handbag summer outfit jeans",
    ),
    Prototype(
        "home_makers",
        categories=("furniture", "appliances", "kitchen", "home", "garden", "construction", "houseware"),
        anchor="sofa refrigerator kitchen cookware bedding home decor vacuum cleaner",
    ),
    Prototype(
        "bargain_hunters",
        traits={"share_cheap": 1.0, "price_pct": -1.0, "price_index": -0.5},
        anchor="cheap discount deal sale clearance coupon budget",
    ),
    Prototype(
        "occasional_browsers",
        traits={"log_n_events": -1.0, "log_n_sessions": -1.0, "log_active_days": -1.0, "log_frequency": -0.5},
    ),
    Prototype("lapsed_big_spenders", traits={"log_monetary": 1.0, "log_recency_days": 1.0}),
    Prototype(
        "loyal_big_spenders", traits={"log_monetary": 1.0, "log_frequency": 1.0, "log_recency_days": -0.5}
    ),
    Prototype("window_shoppers", traits={"log_n_events": 1.0, "conversion": -1.0, "cart_rate": -0.5}),
)


#: prototypes for a shop with orders only: nothing about browsing, one-time buyers instead
PURCHASE_PROTOTYPES: tuple[Prototype, ...] = (
    *(p for p in PROTOTYPES if p.name not in ("occasional_browsers", "window_shoppers")),
    Prototype("one_time_buyers",
              traits={"log_frequency": -1.0, "log_active_days": -1.0, "log_monetary": -0.5}),
)


def prototypes_for(basis: str) -> tuple[Prototype, ...]:
    """The prototypes of a shop described by its events or by its purchases only."""
    return PURCHASE_PROTOTYPES if basis == "purchases" else PROTOTYPES


def category_columns(columns: list[str], words: tuple[str, ...]) -> list[str]:
    return [c for c in columns if c.startswith("aff_") and any(w in c[4:] for w in words)]


def score_matrix(
    z: pd.DataFrame,
    affinity: pd.DataFrame,
    labels: np.ndarray,
    centroids: np.ndarray | None,
    anchors: np.ndarray | None,
    prototypes: tuple[Prototype, ...] = PROTOTYPES,
) -> pd.DataFrame:
    """Scores (segments x prototypes). ``z``: per-segment z of model features (index = cluster);
    ``affinity``: per-user affinity columns; ``centroids``: per-segment unit mean query vector;
    ``anchors``: unit vectors of the prototypes' anchors (rows aligned with ``prototypes``)."""
    clusters = list(z.index)
    out = pd.DataFrame(0.0, index=clusters, columns=[p.name for p in prototypes])
    cos = None
    if centroids is not None and anchors is not None:
        cos = centroids @ anchors.T  # segments x prototypes
    for j, p in enumerate(prototypes):
        for i, c in enumerate(clusters):
            signals: list[float] = []
            if p.traits:
                w = np.array([p.traits[f] for f in p.traits if f in z.columns])
                v = np.array([np.clip(z.at[c, f], -3, 3) for f in p.traits if f in z.columns])
                if len(w):
                    signals.append(float((w * v).sum() / np.abs(w).sum()))
            if p.categories:
                cols = category_columns(list(affinity.columns), p.categories)
                if cols:
                    total = affinity[cols].sum(axis=1).to_numpy()
                    sd = total.std()
                    if sd > 1e-12:
                        signals.append(float(np.clip((total[labels == c].mean() - total.mean()) / sd, -3, 3)))
            if p.anchor and cos is not None and not np.isnan(cos[i, j]):
                col = cos[:, j]
                sd = col.std()
                if sd > 1e-12 and len(col) > 1:
                    signals.append(float(np.clip((col[i] - col.mean()) / sd, -3, 3)))
            out.iat[i, j] = float(np.mean(signals)) if signals else -np.inf
    return out


def assign_names(scores: pd.DataFrame, traits: dict[int, list[str]], z: pd.DataFrame) -> dict[int, str]:
    """Names per cluster (see module notes); ``z``: per-segment z of model features."""
    from shoplens.segments.profiles import display_name

    finite = scores.replace(-np.inf, -10.0)
    best_score = finite.max(axis=1)
    rows, cols = linear_sum_assignment(-finite.to_numpy())
    names: dict[int, str] = {}
    holder: dict[str, int] = {}
    for r, c in zip(rows, cols, strict=True):
        s, cluster, proto = finite.iat[r, c], int(finite.index[r]), str(finite.columns[c])
        if s >= MIN_SCORE and s >= RELATIVE * best_score.iat[r]:
            names[cluster] = proto
            holder[proto] = cluster
    used = set(names.values())
    for cluster in finite.index:
        cluster = int(cluster)
        if cluster in names:
            continue
        best = str(finite.loc[cluster].idxmax())
        t = traits.get(cluster) or []
        if finite.loc[cluster].max() >= MIN_SCORE and best in holder:
            diff = z.loc[cluster] - z.loc[holder[best]]
            f = str(diff.abs().idxmax())
            name = f"{best}_{'high' if diff[f] > 0 else 'low'}_{display_name(f)}"
        elif finite.loc[cluster].max() >= MIN_SCORE:
            name = best
        elif t:
            name = f"{t[0]}_users"
        else:
            name = "typical_users"
        base, i = name, 2
        while name in used:
            name = f"{base}_{i}"
            i += 1
        names[cluster] = name
        used.add(name)
    return names
