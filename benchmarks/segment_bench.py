"""How long segmenting a million users takes (goal: under 60 s with MiniBatchKMeans).

What is timed: ``shoplens.segments.api.cluster_users`` — the design matrix (scaling,
group weights, PCA of the query embeddings), choosing k by silhouette on a 10,000-user
sample, MiniBatchKMeans on all users, profiles, names (including the prototype anchors'
embeddings) and RFM — on in-memory per-user features of N synthetic users drawn from
five personas (feature SQL and query encoding depend on the event and query volume and
are outside this budget). Side by side, on the same matrix and k: scikit-learn's full
Lloyd ``KMeans`` (one start), for the time ratio and how far the two partitions agree.

    .venv/bin/python benchmarks/segment_bench.py [--users 1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from shoplens.segments.api import cluster_users
from shoplens.segments.embeddings import EMBEDDING_DIM, UserEmbeddings, encode
from shoplens.segments.features import GROUPS, UserFeatures
from shoplens.segments.matrix import build_matrix
from shoplens.segments.params import SegmentParams

CATS = ["electronics", "computers", "apparel", "accessories", "furniture", "appliances", "kids", "sport"]
# persona: (category weights, share_cheap, log events mean)
PERSONAS = {
    "tech_enthusiast": ([5, 4, 0.3, 0.2, 0.1, 0.3, 0.1, 0.2], 0.17, 3.8),
    "bargain_hunter": ([1.6, 1, 1.5, 0.8, 1, 1.6, 1, 0.8], 0.69, 4.2),
    "fashion_lover": ([0.5, 0.1, 5.6, 2.7, 0.2, 0.2, 0.3, 0.5], 0.28, 4.0),
    "home_maker": ([0.3, 0.1, 0.2, 0.1, 3.4, 3.6, 1.4, 0.1], 0.29, 3.4),
    "occasional_browser": ([2.4, 1, 1.4, 0.7, 1, 1.6, 0.8, 0.8], 0.32, 1.4),
}


def synthetic(n: int, seed: int) -> tuple[UserFeatures, UserEmbeddings, np.ndarray]:
    rng = np.random.default_rng(seed)
    names = list(PERSONAS)
    truth = rng.integers(0, len(names), n)
    ids = pd.Index(np.arange(100_000, 100_000 + n).astype(str), name="user_id", dtype="string")
    df = pd.DataFrame(index=ids)
    events_mu = np.array([PERSONAS[p][2] for p in names])[truth]
    log_events = rng.normal(events_mu, 0.8)
    n_events = np.maximum(1, np.expm1(log_events)).round()
    df["n_events"] = n_events.astype("int64")
    df["n_sessions"] = np.maximum(1, (n_events / rng.uniform(3, 9, n)).round()).astype("int64")
    df["active_days"] = df["n_sessions"]
    df["frequency"] = rng.binomial(df["n_sessions"], 0.2)
    df["monetary"] = df["frequency"] * rng.lognormal(4.5, 0.8, n)
    df["recency_days"] = rng.exponential(30, n)
    df["tenure_days"] = df["recency_days"] + rng.exponential(90, n)
    df["avg_price"] = rng.lognormal(4.8, 0.6, n)
    df["country"] = rng.choice(["FR", "DE", "US", "ES"], n)
    for c in ("n_events", "n_sessions", "active_days", "frequency", "recency_days", "tenure_days"):
        df[f"log_{c}"] = np.log1p(df[c].astype("float64"))
    df["log_monetary"] = np.log1p(df["monetary"])
    df["log_avg_price"] = np.log1p(df["avg_price"])
    df["cart_rate"] = rng.beta(2, 20, n)
    df["purchase_rate"] = rng.beta(2, 8, n)
    df["conversion"] = rng.beta(1, 30, n)
    df["events_per_session"] = np.log1p(df["n_events"] / df["n_sessions"])
    cheap = np.array([PERSONAS[p][1] for p in names])[truth]
    df["share_cheap"] = np.clip(rng.normal(cheap, 0.12), 0, 1)
    df["share_premium"] = np.clip(rng.normal(0.6 - cheap, 0.12), 0, 1)
    df["price_pct"] = np.clip(0.5 - (df["share_cheap"] - df["share_premium"]) / 2, 0, 1)
    df["price_index"] = 0.6 + df["price_pct"]
    hours = rng.dirichlet([2, 3, 3, 4], n)
    for i, c in enumerate(("share_night", "share_morning", "share_afternoon", "share_evening")):
        df[c] = hours[:, i]
    df["share_weekend"] = rng.beta(3, 6, n)
    weights = np.array([PERSONAS[p][0] for p in names], dtype=float)
    weights /= weights.sum(axis=1, keepdims=True)
    aff = rng.dirichlet(np.ones(len(CATS)), n) * 0.3 + weights[truth] * 0.7
    for i, c in enumerate(CATS):
        df[f"aff_{c}"] = aff[:, i]
    groups = {**GROUPS, "interest": [f"aff_{c}" for c in CATS]}
    # persona centres: real query vectors, so that the names are judged as on real data
    centres = encode(
        [
            "gaming laptop 4k monitor",
            "cheap phone deal clearance",
            "summer dress leather handbag",
            "corner sofa fridge freezer",
            "gift ideas",
        ]
    )
    vec = centres[truth] + 0.08 * rng.standard_normal(size=(n, EMBEDDING_DIM), dtype=np.float32)
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    n_searches = rng.poisson(np.where(truth == 4, 0.3, 4.0))
    vec[n_searches == 0] = 0.0
    df["n_searches"] = n_searches
    emb = UserEmbeddings(ids, vec, n_searches, 0)
    return UserFeatures(df, groups, datetime(2024, 12, 31)), emb, truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = time.perf_counter()
    feats, emb, truth = synthetic(args.users, args.seed)
    print(f"synthetic features for {args.users:,} users: {time.perf_counter() - t:.1f} s (not timed below)")
    history = pd.DataFrame(
        {"user_id": pd.Series([], dtype="string"), "search_query": pd.Series([], dtype="string")}
    )
    params = SegmentParams(seed=args.seed)
    laps: dict[str, float] = {}
    t0 = time.perf_counter()
    last = [t0]

    def lap(name: str) -> None:
        now = time.perf_counter()
        laps[name] = now - last[0]
        last[0] = now

    model, profiles, _rfm, _table = cluster_users(feats, emb, history, params, lap=lap)
    total = time.perf_counter() - t0
    ari = adjusted_rand_score(truth, model.labels_)
    print(
        f"shoplens segment core, {args.users:,} users: {total:.1f} s  "
        f"(clustering incl. k={model.k_} by {model.criterion_} {laps['clustering']:.1f} s, "
        f"profiles+names {laps['profiles']:.1f} s, RFM {total - laps['clustering'] - laps['profiles']:.1f} s)"
    )
    print(
        f"  goal < 60 s: {'met' if total < 60 else 'MISSED'}; ARI vs synthetic personas {ari:.3f}; "
        f"segments: {', '.join(f'{p.name} {p.size:,}' for p in sorted(profiles, key=lambda p: -p.size))}"
    )
    X = build_matrix(feats, emb, params).X
    t = time.perf_counter()
    from sklearn.cluster import MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # as shoplens runs it
        mb = MiniBatchKMeans(
            model.k_,
            random_state=args.seed,
            batch_size=8192,
            n_init=3,
            max_no_improvement=10,
            reassignment_ratio=0.01,
        ).fit_predict(X)
    t_mb = time.perf_counter() - t
    t = time.perf_counter()
    lloyd = KMeans(model.k_, random_state=args.seed, n_init=1).fit_predict(X)
    t_lloyd = time.perf_counter() - t
    print(
        f"side by side, same matrix ({X.shape[0]:,} x {X.shape[1]}), k={model.k_}: "
        f"MiniBatchKMeans {t_mb:.1f} s vs Lloyd KMeans {t_lloyd:.1f} s "
        f"(ratio {t_lloyd / t_mb:.1f}x); agreement ARI {adjusted_rand_score(lloyd, mb):.3f}; "
        f"ARI vs personas: minibatch {adjusted_rand_score(truth, mb):.3f}, "
        f"lloyd {adjusted_rand_score(truth, lloyd):.3f}"
    )


if __name__ == "__main__":
    main()
