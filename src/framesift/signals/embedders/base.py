"""The one protocol every visual embedder implements.

Shapes: ``encode_images`` takes a sequence of ``(H, W, 3)`` uint8 RGB arrays of any size (the
backend does its own model-exact preprocessing: resize, crop, mean/std) and returns ``(N, D)``
float32 L2-normalised rows; ``encode_texts`` returns ``(M, D)`` float32 L2-normalised rows in
the same space. Cosine similarity is therefore a plain dot product.

``model_id`` is stable and specific enough to key a cache: it names the weights (hub id plus
revision, a local directory's content hash, or an open_clip name/pretrained tag) and the
backend/precision, because an int8 ONNX export does not give the same vectors as fp32 torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Embedder"]


@runtime_checkable
class Embedder(Protocol):
    """A dual image-text encoder: images and texts to unit vectors in one space."""

    #: Stable identity of weights + backend + precision (used in cache keys and the manifest).
    model_id: str
    #: Embedding dimension D.
    dim: int
    #: The square side (pixels) the model's own processor resizes/crops images to.
    image_size: int

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(N, D)`` float32 unit rows for ``N`` uint8 RGB arrays ``(H, W, 3)``."""
        ...

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``(M, D)`` float32 unit rows for ``M`` texts (long texts chunked, never silently cut)."""
        ...
