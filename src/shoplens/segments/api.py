"""``segment()``: features, search history, embeddings, clusters, names, RFM, write-back."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd
from opensearchpy import OpenSearch

from shoplens.clv.writeback import with_value_fields
from shoplens.engines.base import Engine
from shoplens.search.bulk import BulkReport
from shoplens.search.indices import SEARCH_LOGS
from shoplens.search.logs import count_search_logs, index_search_logs
from shoplens.search.retrieve import search_history
from shoplens.search.session import SearchSession, search_session
from shoplens.segments import embeddings as emb_mod
from shoplens.segments.clustering import Clusterer
from shoplens.segments.evaluate import adjusted_rand, confusion, majority_names
from shoplens.segments.features import UserFeatures, compute_features
from shoplens.segments.matrix import build_matrix
from shoplens.segments.naming import assign_names, prototypes_for, score_matrix
from shoplens.segments.params import SegmentParams
from shoplens.segments.profiles import SegmentProfile, build_profiles
from shoplens.segments.rfm import rfm_scores, rfm_table
from shoplens.segments.store import write_db, write_index

UNCLUSTERED = "unclustered"


class Progress(Protocol):
    """What ``segment()`` reports while it works (the CLI draws rich progress bars)."""

    def stage(self, name: str, total: int | None = None) -> Callable[[int], None]: ...


class _Quiet:
    def stage(self, name: str, total: int | None = None) -> Callable[[int], None]:
        return lambda n: None


@dataclass
class SegmentationResult:
    """What a run found. ``assignments``: one row per user (index-ready); ``segments``:
    profiles, largest first; ``rfm``: the RFM table."""

    run_id: str
    params: SegmentParams
    k: int
    method: str
    criterion: str
    selection_scores: dict[int, float]
    silhouette: dict[int, float]
    segments: list[SegmentProfile]
    assignments: pd.DataFrame
    rfm: pd.DataFrame
    as_of: datetime
    n_searches: int
    n_distinct_queries: int
    users_with_searches: int
    timings: dict[str, float] = field(default_factory=dict)
    #: "events", or "purchases" for a shop with orders only (segmented on purchase behaviour)
    basis: str = "events"
    index_report: BulkReport | None = None
    search_index_report: BulkReport | None = None

    @property
    def labels(self) -> pd.Series:
        """``user_id -> segment name``."""
        return pd.Series(
            self.assignments["segment"].to_numpy(),
            index=pd.Index(self.assignments["user_id"].astype("string"), name="user_id"),
            name="segment",
        )

    def ari(self, truth: pd.Series) -> float:
        """Adjusted Rand index against ``user_id -> true label`` (e.g. personas)."""
        return adjusted_rand(self.labels, truth)

    def confusion(self, truth: pd.Series) -> pd.DataFrame:
        return confusion(self.labels, truth)

    def majority_names(self, truth: pd.Series) -> dict[str, str]:
        return majority_names(self.labels, truth)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "method": self.method,
            "k": self.k,
            "basis": self.basis,
            "seed": self.params.seed,
            "criterion": self.criterion,
            "selection_scores": {str(k): _num(v) for k, v in self.selection_scores.items()},
            "silhouette": {str(k): _num(v) for k, v in self.silhouette.items()},
            "as_of": self.as_of.isoformat(),
            "n_users": len(self.assignments),
            "n_searches": self.n_searches,
            "n_distinct_queries": self.n_distinct_queries,
            "users_with_searches": self.users_with_searches,
            "segments": [s.as_dict() for s in self.segments],
            "rfm": json.loads(self.rfm.to_json(orient="records", double_precision=6)),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "index": self.index_report.as_dict() if self.index_report else None,
            "search_logs_index": self.search_index_report.as_dict() if self.search_index_report else None,
        }


def _num(v: float) -> float | None:
    return round(float(v), 6) if np.isfinite(v) else None


def segment(
    engine: Engine,
    params: SegmentParams | None = None,
    *,
    search: str | OpenSearch | SearchSession | None = None,
    write: bool = True,
    progress: Progress | None = None,
) -> SegmentationResult:
    """Segment every user with events.

    Parameters
    ----------
    engine
        The database (events, products, users, search_logs).
    params
        :class:`SegmentParams`; defaults: ``k="auto"``, MiniBatchKMeans, seed 0.
    search
        A search-engine URL, client or session. ``None``: ``SHOPLENS_SEARCH`` if set, else a
        bundled osmem-server started for this call (and stopped after it). If the
        ``search_logs`` index is missing (always, on a bundled server), it is indexed from
        the database first; the history is then read back from the index, all of it.
    write
        Write ``user_segments`` to the database (one transaction) and to the search index.

    Returns
    -------
    SegmentationResult

    Notes
    -----
    Pipeline: :func:`~shoplens.segments.features.compute_features` (SQL) →
    search history by scroll → :func:`~shoplens.segments.embeddings.user_embeddings` →
    :func:`~shoplens.segments.matrix.build_matrix` (group-weighted) →
    :class:`~shoplens.segments.clustering.Clusterer` → profiles → names from prototypes →
    RFM → write-back (database first; the index after, so a search engine failure leaves
    the database complete and ``segment --check`` reports the index as behind).
    """
    params = params or SegmentParams()
    progress = progress or _Quiet()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        timings[name] = now - t0
        t0 = now

    progress.stage("features (SQL)")
    feats = compute_features(engine, max_categories=params.max_categories, prior_events=params.prior_events)
    lap("features")
    users = feats.user_ids
    with ExitStack() as stack:
        client: OpenSearch | None = None
        if params.use_search or write:
            client = _client(stack, search)
        history = pd.DataFrame(
            {"user_id": pd.Series([], dtype="string"), "search_query": pd.Series([], dtype="string")}
        )
        search_report = None
        if params.use_search and client is not None:
            if not client.indices.exists(index=SEARCH_LOGS) and count_search_logs(engine):
                tick = progress.stage("indexing search_logs", count_search_logs(engine))
                search_report = index_search_logs(engine, client, on_progress=tick)
            if client.indices.exists(index=SEARCH_LOGS):
                tick = progress.stage("reading search history", None)
                history = search_history(client, on_progress=tick)
        lap("search_history")
        progress.stage("embedding queries")
        emb = (
            emb_mod.user_embeddings(history, users, batch_size=params.embed_batch_size)
            if params.use_search
            else None
        )
        if len(feats.frame):
            feats.frame["n_searches"] = emb.n_searches if emb is not None else 0
        lap("embeddings")
        progress.stage("clustering")
        model, profiles, rfm, table = cluster_users(feats, emb, history, params, lap=lap)
        labels = model.labels_
        run_id = uuid.uuid4().hex
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        assignments = _assignments(feats, labels, profiles, rfm, params, run_id, now)
        result = SegmentationResult(
            run_id=run_id,
            params=params,
            k=model.k_,
            method=params.method,
            criterion=model.criterion_,
            selection_scores=model.scores_, silhouette=model.silhouette_,
            segments=sorted(profiles, key=lambda p: -p.size),
            assignments=assignments,
            rfm=table,
            as_of=feats.as_of,
            n_searches=len(history),
            n_distinct_queries=emb.n_distinct_queries if emb else 0,
            users_with_searches=int((emb.n_searches > 0).sum()) if emb else 0,
            timings=timings,
            basis=feats.basis,
            search_index_report=search_report,
        )
        lap("rfm")
        if write:
            progress.stage("writing user_segments")
            write_db(
                engine,
                assignments,
                {
                    "run_id": run_id,
                    "created_at": now,
                    "method": params.method,
                    "k": model.k_,
                    "seed": params.seed,
                    "n_users": len(assignments),
                    "summary": {
                        "params": params.model_dump(mode="json"),
                        "segments": [s.as_dict() for s in result.segments],
                    },
                },
            )
            lap("write_db")
            assert client is not None
            tick = progress.stage("indexing user_segments", len(assignments))
            result.index_report = write_index(client, with_value_fields(engine, assignments), run_id,
                                              on_progress=tick)
            lap("write_index")
    return result


def cluster_users(
    feats: UserFeatures,
    emb: emb_mod.UserEmbeddings | None,
    history: pd.DataFrame,
    params: SegmentParams,
    *,
    lap: Callable[[str], None] | None = None,
) -> tuple[Clusterer, list[SegmentProfile], pd.DataFrame, pd.DataFrame]:
    """The in-memory part of :func:`segment`: design matrix, clusters, named profiles, RFM.

    Returns the fitted :class:`Clusterer`, the profiles, the per-user RFM scores and the
    RFM table. (``benchmarks/segment_bench.py`` times exactly this on a million users.)
    """
    lap = lap or (lambda name: None)
    design = build_matrix(feats, emb, params)
    model = Clusterer(params).fit(design.X)
    lap("clustering")
    profiles = _name(feats, model.labels_, emb, history)
    lap("profiles")
    rfm = rfm_scores(feats.frame)
    return model, profiles, rfm, rfm_table(feats.frame, rfm)


def _client(stack: ExitStack, search: str | OpenSearch | SearchSession | None) -> OpenSearch:
    if isinstance(search, OpenSearch):
        return search
    if isinstance(search, SearchSession):
        return search.client
    return stack.enter_context(search_session(search)).client


def _name(
    feats: UserFeatures, labels: np.ndarray, emb: emb_mod.UserEmbeddings | None, history: pd.DataFrame
) -> list[SegmentProfile]:
    profiles = build_profiles(feats, labels, history=history)
    prototypes = prototypes_for(feats.basis)
    named = [p for p in profiles if p.cluster != -1]
    z = pd.DataFrame([p.z for p in named], index=[p.cluster for p in named])
    aff = feats.frame[feats.groups.get("interest", [])]
    centroids = anchors = None
    if emb is not None and (emb.n_searches > 0).any():
        cents = []
        for p in named:
            m = (labels == p.cluster) & (emb.n_searches > 0)
            v = emb.vectors[m].mean(axis=0) if m.any() else np.full(emb.vectors.shape[1], np.nan)
            nv = np.linalg.norm(v)
            cents.append(v / nv if nv > 0 else v)
        centroids = np.vstack(cents)
        anchors = emb_mod.encode([p.anchor or p.name.replace("_", " ") for p in prototypes])
    scores = score_matrix(z, aff, labels, centroids, anchors, prototypes)
    names = assign_names(scores, {p.cluster: p.traits for p in named}, z)
    for p in profiles:
        if p.cluster == -1:
            p.name = UNCLUSTERED
            continue
        p.name = names[p.cluster]
        p.naming_scores = {k: float(v) for k, v in scores.loc[p.cluster].items() if np.isfinite(v)}
    return profiles


def _assignments(
    feats: UserFeatures,
    labels: np.ndarray,
    profiles: list[SegmentProfile],
    rfm: pd.DataFrame,
    params: SegmentParams,
    run_id: str,
    now: datetime,
) -> pd.DataFrame:
    by_cluster = {p.cluster: p for p in profiles}
    df = feats.frame
    out = pd.DataFrame(
        {
            "user_id": df.index.astype("string"),
            "cluster": labels.astype("int64"),
        }
    )
    out["segment"] = [by_cluster[c].name for c in labels.tolist()]
    traits = {c: json.dumps(p.traits) for c, p in by_cluster.items()}
    out["traits"] = [traits[c] for c in labels.tolist()]
    out["method"] = params.method
    for col in ("r_score", "f_score", "m_score", "rfm_segment"):
        out[col] = rfm[col].to_numpy()
    out["country"] = df["country"].to_numpy() if "country" in df.columns else None
    for col in ("recency_days", "frequency", "monetary"):
        out[col] = df[col].to_numpy()
    out["run_id"] = run_id
    out["updated_at"] = now
    return out
