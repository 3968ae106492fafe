"""Parameters of a segmentation run (the CLI only parses options into these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Method = Literal["kmeans", "gmm", "hdbscan"]

#: default weight of each feature group (see docs/segmentation.md, "Weighting")
DEFAULT_GROUP_WEIGHTS: dict[str, float] = {
    "interest": 1.5,  # category affinity: what they shop for
    "search": 1.5,  # averaged query embeddings: what they say they want
    "price": 1.0,  # price band: where in its category's price range what they view sits
    "activity": 0.5,  # how much they do (events, sessions, purchases, money)
    "time": 0.5,  # time of day and weekend share
    "conversion": 0.25,  # cart and purchase rates
    "lifecycle": 0.25,  # recency and tenure
}


class SegmentParams(BaseModel):
    """How to segment.

    Parameters
    ----------
    k
        Number of clusters, or ``"auto"``: chosen on a seeded sample over ``k_min..k_max``
        by ``k_criterion`` (k-means: lowest Davies-Bouldin index, or highest silhouette)
        or by the lowest BIC (GMM); see :mod:`shoplens.segments.clustering`. Ignored by
        HDBSCAN, which finds its own.
    method
        ``kmeans`` (Lloyd up to 50,000 users, MiniBatchKMeans beyond; the default),
        ``gmm`` (Gaussian mixture) or ``hdbscan`` (``sklearn.cluster.HDBSCAN``; users it
        leaves as noise form the segment ``unclustered``).
    seed
        Every random step (sampling, initialisation) is seeded: same data and seed, same
        segments.
    group_weights
        Share of the distance each feature group gets (overrides the defaults).
    use_search
        Use the search history from the search engine (query embeddings); off, the
        segmentation uses database features only.
    """

    model_config = ConfigDict(extra="forbid")

    k: int | Literal["auto"] = "auto"
    method: Method = "kmeans"
    seed: int = 0
    k_criterion: Literal["davies_bouldin", "silhouette"] = "davies_bouldin"
    k_min: int = Field(2, ge=2)
    k_max: int = Field(10, ge=2)
    sample_size: int = Field(10_000, ge=100, description="users sampled to choose k")
    max_categories: int = Field(12, ge=1, description="top-level categories kept as affinity features")
    prior_events: float = Field(2.0, ge=0, description="shrinkage strength of per-user shares, in events")
    embedding_dims: int = Field(16, ge=1, description="PCA dimensions kept of the query embeddings")
    group_weights: dict[str, float] = Field(default_factory=dict)
    use_search: bool = True
    hdbscan_min_cluster_size: int | None = None
    hdbscan_max_fit: int = Field(30_000, ge=1000, description="HDBSCAN is fitted on at most this many users")
    embed_batch_size: int = Field(256, ge=1)

    @field_validator("k", mode="before")
    @classmethod
    def _parse_k(cls, v: object) -> object:
        if isinstance(v, str) and v != "auto":
            try:
                v = int(v)
            except ValueError:
                raise ValueError(f"--k must be 'auto' or an integer >= 2, got {v!r}") from None
        if isinstance(v, int) and v < 1:
            raise ValueError(f"--k must be 'auto' or an integer >= 1, got {v}")
        return v

    @field_validator("group_weights")
    @classmethod
    def _known_groups(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - set(DEFAULT_GROUP_WEIGHTS)
        if unknown:
            raise ValueError(
                f"unknown feature group(s) {sorted(unknown)}; known: {sorted(DEFAULT_GROUP_WEIGHTS)}"
            )
        if any(w < 0 for w in v.values()):
            raise ValueError("group weights must be >= 0")
        return v

    def weights(self) -> dict[str, float]:
        return {**DEFAULT_GROUP_WEIGHTS, **self.group_weights}
