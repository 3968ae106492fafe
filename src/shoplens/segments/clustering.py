"""Clustering users: MiniBatchKMeans (default), Gaussian mixtures or HDBSCAN.

Notes
-----
``k="auto"`` chooses the number of clusters on a seeded sample of ``sample_size`` users.
For k-means, k-means is fitted for each k in ``k_min..k_max`` and both the mean
silhouette coefficient (Rousseeuw 1987; on up to 4,000 of the sampled points) and the
Davies-Bouldin index (Davies & Bouldin 1979) are computed; ``k_criterion`` picks the k
with the lowest Davies-Bouldin index (default) or the highest silhouette. Why
Davies-Bouldin by default: on generated shops the silhouette curve is flat (0.123-0.132
for k = 3..5) and chose k = 3 on one of two seeds, merging three of five personas
(ARI 0.38), while Davies-Bouldin chose k = 5 on both (ARI 0.60 and 0.70). For GMM,
the k with the lowest Bayesian information criterion (Schwarz 1978). The final model is then fitted
on all users (GMM on up to 200,000 sampled users, then every user is assigned).
K-means is Lloyd's algorithm (``sklearn.cluster.KMeans``, 4 seeded k-means++ starts) up
to ``LLOYD_MAX`` users and ``MiniBatchKMeans`` (Sculley 2010) beyond, started from the
centres found on the sample, which keeps a million users under a minute.
HDBSCAN (Campello, Moulavi & Sander 2013; ``sklearn.cluster.HDBSCAN``) is fitted on up
to ``hdbscan_max_fit`` sampled users; the others take the label of their nearest fitted
neighbour; noise is label ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import HDBSCAN, KMeans, MiniBatchKMeans
from sklearn.metrics import davies_bouldin_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from shoplens.errors import ConfigError
from shoplens.segments.params import SegmentParams

_SILHOUETTE_POINTS = 4_000
_GMM_MAX_FIT = 200_000
#: up to this many users k-means runs full Lloyd iterations; above, MiniBatchKMeans
LLOYD_MAX = 50_000


@dataclass
class Clusterer:
    """scikit-learn style: ``fit(X)`` returns self; ``labels_``, ``k_``, ``scores_`` after."""

    params: SegmentParams
    labels_: np.ndarray = field(init=False)
    k_: int = field(init=False)
    scores_: dict[int, float] = field(init=False, default_factory=dict)
    criterion_: str = field(init=False, default="")
    silhouette_: dict[int, float] = field(init=False, default_factory=dict)
    davies_bouldin_: dict[int, float] = field(init=False, default_factory=dict)
    _centres: dict[int, np.ndarray] = field(init=False, default_factory=dict, repr=False)

    def fit(self, X: np.ndarray) -> Clusterer:
        n = X.shape[0]
        if n == 0:
            raise ConfigError("segment: no users with events to segment (load data first)")
        p = self.params
        if p.method == "hdbscan":
            self.labels_ = self._hdbscan(X)
            self.k_ = len(set(self.labels_.tolist()) - {-1})
            return self
        if isinstance(p.k, int):
            if p.k > n:
                raise ConfigError(f"--k {p.k} is larger than the number of users ({n})")
            k = p.k
        else:
            k = self._choose_k(X)
        self.k_ = k
        self.labels_ = self._kmeans(X, k) if p.method == "kmeans" else self._gmm(X, k)
        return self

    # -- choosing k ----------------------------------------------------------------
    def _sample(self, X: np.ndarray, size: int, salt: int = 0) -> np.ndarray:
        if X.shape[0] <= size:
            return X
        rng = np.random.default_rng(self.params.seed + salt)
        return X[np.sort(rng.choice(X.shape[0], size, replace=False))]

    def _choose_k(self, X: np.ndarray) -> int:
        p = self.params
        S = self._sample(X, p.sample_size)
        hi = min(p.k_max, S.shape[0] - 1)
        ks = list(range(p.k_min, hi + 1))
        if not ks:
            return 1
        if p.method == "gmm":
            self.criterion_ = "bic"
            for k in ks:
                gm = GaussianMixture(k, covariance_type="full", random_state=p.seed, reg_covar=1e-4).fit(S)
                self.scores_[k] = float(gm.bic(S))
            return min(ks, key=lambda k: (self.scores_[k], k))
        self.criterion_ = p.k_criterion
        for k in ks:
            labels = self._kmeans(S, k, n_init=2)
            if len(set(labels.tolist())) < 2:
                self.silhouette_[k], self.davies_bouldin_[k] = -1.0, float("inf")
                continue
            self.silhouette_[k] = float(silhouette_score(
                S, labels, sample_size=min(_SILHOUETTE_POINTS, S.shape[0]), random_state=p.seed))
            self.davies_bouldin_[k] = float(davies_bouldin_score(S, labels))
        if p.k_criterion == "silhouette":
            self.scores_ = dict(self.silhouette_)
            return max(ks, key=lambda k: (self.scores_[k], -k))
        self.scores_ = dict(self.davies_bouldin_)
        return min(ks, key=lambda k: (self.scores_[k], k))

    # -- models ----------------------------------------------------------------------
    def _kmeans(self, X: np.ndarray, k: int, *, n_init: int = 4) -> np.ndarray:
        if X.shape[0] <= LLOYD_MAX:  # small enough for full k-means: better optima, still fast
            model = KMeans(n_clusters=k, random_state=self.params.seed, n_init=n_init).fit(X)
            self._centres[k] = model.cluster_centers_
            return model.labels_.astype(np.int64)
        # a million users: mini-batches, started from the centres found on the sample when
        # k was chosen there (one good start instead of several random ones)
        init = self._centres.get(k)
        mb = MiniBatchKMeans(
            n_clusters=k,
            random_state=self.params.seed,
            batch_size=8192,
            init=init if init is not None else "k-means++",
            n_init=1 if init is not None else 3,
            max_no_improvement=10,
            reassignment_ratio=0.01,
        )
        # one OpenMP thread: each mini-batch step is too small to share, and on a busy
        # machine spinning worker threads made 1M users take 2.8 s instead of 0.4 s
        with threadpool_limits(1):
            return mb.fit_predict(X).astype(np.int64)

    def _gmm(self, X: np.ndarray, k: int) -> np.ndarray:
        S = self._sample(X, _GMM_MAX_FIT, salt=1)
        gm = GaussianMixture(
            k, covariance_type="full", random_state=self.params.seed, reg_covar=1e-4, n_init=2
        ).fit(S)
        return gm.predict(X).astype(np.int64)

    def _hdbscan(self, X: np.ndarray) -> np.ndarray:
        p = self.params
        n = X.shape[0]
        if n <= p.hdbscan_max_fit:
            idx = np.arange(n)
        else:
            rng = np.random.default_rng(p.seed)
            idx = np.sort(rng.choice(n, p.hdbscan_max_fit, replace=False))
        fit = X[idx]
        mcs = p.hdbscan_min_cluster_size or max(5, len(idx) // 100)
        labels_fit = HDBSCAN(min_cluster_size=mcs, copy=True).fit_predict(fit).astype(np.int64)
        if len(idx) == n:
            return labels_fit
        labels = KNeighborsClassifier(n_neighbors=1).fit(fit, labels_fit).predict(X).astype(np.int64)
        labels[idx] = labels_fit
        return labels
