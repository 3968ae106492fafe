"""The shared offline embedding model: loaded once, normalised vectors, no network."""

from __future__ import annotations

import numpy as np

from shoplens.llm import embeddings


def test_encode_is_normalised_and_semantic() -> None:
    v = embeddings.encode(["add to cart", "product added to basket", "order refunded"])
    assert v.shape == (3, embeddings.DIMENSIONS) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]          # cart and basket are closer than refund
    assert embeddings.encode([]).shape == (0, embeddings.DIMENSIONS)


def test_model_is_loaded_once_from_the_package() -> None:
    assert embeddings.get_model() is embeddings.get_model()
    assert (embeddings.model_path() / "model.safetensors").exists()
