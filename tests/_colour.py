"""A colour "model" for tests: a small real implementation of the Embedder protocol whose right
answer is known (no trained dual encoder can be downloaded here). Shared by the visual-channel
tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class ColourEmbedder:
    """A small real implementation of the Embedder protocol: images -> mean colour, texts naming a
    colour -> that colour. It stands in for a trained model, which this machine cannot download,
    so that a test can know which frame a query should find; everything downstream is real."""

    model_id = "test-colour@1|numpy"
    dim = 3
    image_size = 16
    backend = "numpy"
    _names = {"red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0), "grey": (1.0, 1.0, 1.0)}

    def __init__(self) -> None:
        self.images_seen = 0

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        self.images_seen += len(images)
        v = np.array([im.reshape(-1, 3).mean(0) for im in images], np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        v = np.array(
            [next((c for n, c in self._names.items() if n in t.lower()), (1.0, 1.0, 1.0)) for t in texts], np.float32
        )
        return v / np.linalg.norm(v, axis=1, keepdims=True)
