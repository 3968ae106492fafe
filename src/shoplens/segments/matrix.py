"""The design matrix: scaled behavioural features and reduced query embeddings, weighted by group.

Notes
-----
Every behavioural feature is standardised (z-score; a constant column becomes 0),
except the *shares* of a whole (category affinity, time of day): those are compared as
distributions, with the Hellinger transform (square root of each share) and no
per-column standardisation, which would blow up the noise of rare categories (a
category 1 % of users touch would weigh as much as electronics). Each feature *group*
(activity, conversion, lifecycle, price, time, interest, search) is then scaled so that
its total variance equals its weight ``w`` no matter how many columns describe it
(``sqrt(w / n_columns)`` per standardised column): five correlated activity counts do
not outvote one price index, and 384 embedding dimensions do not drown the behaviour.
The query embeddings are first reduced by PCA (fitted on a seeded sample of users who
searched) to ``embedding_dims`` components, then scaled the same way; users without
searches sit at the centre of this block (they carry no search information), not at
the projection of a zero vector. Weights are in
:data:`shoplens.segments.params.DEFAULT_GROUP_WEIGHTS`; see docs/segmentation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.decomposition import PCA

from shoplens.segments.embeddings import UserEmbeddings
from shoplens.segments.features import UserFeatures
from shoplens.segments.params import SegmentParams

#: groups whose columns are shares of one whole (compared as distributions)
COMPOSITIONS = frozenset({"interest", "time"})
#: prior strength (in searches) of the shrinkage of a user's search vector
SEARCH_PRIOR = 2.0


@dataclass
class DesignMatrix:
    X: np.ndarray
    columns: list[str]
    group_slices: dict[str, slice] = field(default_factory=dict)
    explained_variance: float | None = None


def build_matrix(features: UserFeatures, emb: UserEmbeddings | None, params: SegmentParams) -> DesignMatrix:
    weights = params.weights()
    n = len(features.frame)
    blocks: list[np.ndarray] = []
    columns: list[str] = []
    slices: dict[str, slice] = {}
    pos = 0
    for group, cols in features.groups.items():
        w = weights.get(group, 0.0)
        if not cols or w <= 0:
            continue
        block = features.frame[cols].to_numpy(dtype=np.float64, na_value=0.0)
        block = np.nan_to_num(block, nan=0.0, posinf=0.0, neginf=0.0)
        if group in COMPOSITIONS:
            block = np.sqrt(np.clip(block, 0.0, None))
            block -= block.mean(axis=0)
            total_var = float(block.var(axis=0).sum())
            if total_var > 1e-12:
                block *= np.sqrt(w / total_var)
        else:
            mu = block.mean(axis=0)
            sd = block.std(axis=0)
            block = np.divide(block - mu, sd, out=np.zeros_like(block), where=sd > 1e-12)
            block *= np.sqrt(w / len(cols))
        blocks.append(block.astype(np.float32))
        columns += cols
        slices[group] = slice(pos, pos + len(cols))
        pos += len(cols)
    explained = None
    w = weights.get("search", 0.0)
    if emb is not None and w > 0 and int((emb.n_searches > 0).sum()) >= 2:
        searched = np.flatnonzero(emb.n_searches > 0)
        rng = np.random.default_rng(params.seed)
        fit_rows = searched if len(searched) <= 50_000 else rng.choice(searched, 50_000, replace=False)
        dims = int(min(params.embedding_dims, len(fit_rows) - 1, emb.vectors.shape[1]))
        pca = PCA(n_components=dims, random_state=params.seed).fit(emb.vectors[fit_rows])
        explained = float(pca.explained_variance_ratio_.sum())
        block = pca.transform(emb.vectors).astype(np.float64)
        # shrink towards the centre by n / (n + 2): no searches = no information (the centre,
        # not "the zero query"), one search says less than twenty
        block *= (emb.n_searches / (emb.n_searches + SEARCH_PRIOR))[:, None]
        total_var = float(block.var(axis=0).sum())
        if total_var > 1e-12:
            block *= np.sqrt(w / total_var)
        blocks.append(block.astype(np.float32))
        columns += [f"search_pc{i + 1}" for i in range(dims)]
        slices["search"] = slice(pos, pos + dims)
        pos += dims
    X = np.hstack(blocks) if blocks else np.zeros((n, 0), np.float32)
    return DesignMatrix(np.ascontiguousarray(X, dtype=np.float32), columns, slices, explained)
