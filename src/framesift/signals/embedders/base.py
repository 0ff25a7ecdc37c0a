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

__all__ = ["BatchedImageEncoder", "Embedder"]


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


class BatchedImageEncoder:
    """Shared ``encode_images`` for backends that preprocess with an ``ImagePrep`` (``self.prep``)
    and run the image tower on ``(B, 3, S, S)`` float32 batches (``self.encode_pixels``).

    Batching bounds memory (a batch of 224-px float32 images is ~0.6 MB each) and lets each
    backend's own thread pool work on several images at once.
    """

    dim: int
    batch_size: int

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:  # pragma: no cover - per backend
        raise NotImplementedError

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(
            [
                self.encode_pixels(self.prep(images[i : i + self.batch_size]))  # type: ignore[attr-defined]
                for i in range(0, len(images), self.batch_size)
            ]
        )
