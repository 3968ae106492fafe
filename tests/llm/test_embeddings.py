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


def test_loading_the_model_draws_no_progress_bar_on_stderr(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """transformers' "Loading weights" bar must not leak onto stderr, neither from the
    Python API nor from a command (a fresh process: the model loads there)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    api = subprocess.run([sys.executable, "-c", "from shoplens.llm.embeddings import encode; "
                          "print(encode(['red shoes']).shape)"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert api.returncode == 0, api.stderr
    assert "(1, 384)" in api.stdout
    assert "Loading weights" not in api.stderr and "it/s" not in api.stderr
    data = tmp_path / "clicks.csv"
    data.write_text("user_id,event,timestamp\nu1,Zorblax Frobnicated,2024-01-01 10:00:00\n")
    db = f"duckdb:{tmp_path / 'e.duckdb'}"
    shoplens = str(Path(sys.executable).parent / "shoplens")
    subprocess.run([shoplens, "load", str(data), "--db", db], check=True, capture_output=True,
                   env=env, timeout=300)
    cmd = subprocess.run([shoplens, "events", "categorize", "--db", db], capture_output=True,
                         text=True, env=env, timeout=300)
    assert cmd.returncode == 0, cmd.stderr
    assert "Loading weights" not in cmd.stderr
