"""Per-candidate image embeddings for one model, filled lazily and partially.

The coarse-to-fine search embeds a subset of candidates first and more later; the on-disk index
stores whatever rows exist. :class:`VisualEmbeddings` is the one object both work with: a
``(N, D)`` float32 matrix whose rows are valid where ``mask`` is True, the candidates' model-size
images (:class:`~framesift.video.images.CandidateImages`) to embed the others from, and the
``model_id`` that keys all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..video.images import CandidateImages
from .embedders.base import Embedder

__all__ = ["VisualEmbeddings"]


@dataclass
class VisualEmbeddings:
    """Image embeddings of the candidates of one analysis, computed on demand.

    Attributes:
        embedder: the model (None when restored from a cache without loading the model: then
            only rows already present can be used).
        images: model-size JPEGs of every candidate, in candidate order.
        model_id: ``embedder.model_id`` (kept separately so a cache can be checked without a model).
        vectors: ``(N, D)`` float32 unit rows; rows where ``mask`` is False are zeros.
        mask: ``(N,)`` bool, True where the row has been embedded.
    """

    embedder: Embedder | None
    images: CandidateImages
    model_id: str
    vectors: np.ndarray
    mask: np.ndarray
    batch_size: int = 16
    embed_seconds: float = field(default=0.0, repr=False)
    #: ``(N,)`` bool, True where a row was set since it was last stored (see :meth:`unsaved`).
    #: The index writes these rows back after a question, so no row is ever embedded twice.
    fresh: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.fresh is None:
            self.fresh = np.zeros(self.mask.shape[0], dtype=bool)

    @classmethod
    def empty(cls, embedder: Embedder, images: CandidateImages) -> VisualEmbeddings:
        n = len(images)
        return cls(
            embedder=embedder,
            images=images,
            model_id=embedder.model_id,
            vectors=np.zeros((n, embedder.dim), dtype=np.float32),
            mask=np.zeros(n, dtype=bool),
        )

    def __len__(self) -> int:
        return int(self.mask.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def embedded(self) -> int:
        return int(self.mask.sum())

    def missing(self, positions: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """Candidate positions (sorted) among ``positions`` (default: all) not embedded yet."""
        pos = np.arange(len(self)) if positions is None else np.unique(np.asarray(positions, dtype=np.int64))
        return pos[~self.mask[pos]]

    def ensure(
        self, positions: Sequence[int] | np.ndarray | None = None, *, progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Embed whatever of ``positions`` (default: all) is missing; return ``vectors[positions]``."""
        import time

        todo = self.missing(positions)
        if todo.size:
            if self.embedder is None:
                raise RuntimeError(f"{todo.size} candidates are not embedded and no model is loaded ({self.model_id})")
            t0 = time.perf_counter()
            for start in range(0, todo.size, self.batch_size):
                chunk = todo[start : start + self.batch_size]
                self.set(chunk, self.embedder.encode_images(self.images.get(chunk)))
                if progress is not None:
                    progress(min(start + self.batch_size, todo.size), todo.size)
            self.embed_seconds += time.perf_counter() - t0
        pos = np.arange(len(self)) if positions is None else np.asarray(positions, dtype=np.int64)
        return self.vectors[pos]

    def set(self, positions: Sequence[int] | np.ndarray, vectors: np.ndarray, *, stored: bool = False) -> None:
        """Store rows computed elsewhere. ``stored=True``: the rows come from the on-disk index
        (they are not written back); otherwise they count as :meth:`unsaved` until
        :meth:`mark_saved`."""
        pos = np.asarray(positions, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (pos.size, self.dim):
            raise ValueError(f"expected ({pos.size}, {self.dim}) vectors, got {vectors.shape}")
        self.vectors[pos] = vectors
        self.mask[pos] = True
        assert self.fresh is not None
        self.fresh[pos] = not stored

    def unsaved(self) -> np.ndarray:
        """Positions (sorted) of rows set since they were loaded or last saved."""
        assert self.fresh is not None
        return np.flatnonzero(self.fresh & self.mask)

    def mark_saved(self, positions: Sequence[int] | np.ndarray) -> None:
        """The rows at ``positions`` are now in the index."""
        assert self.fresh is not None
        self.fresh[np.asarray(positions, dtype=np.int64)] = False

    def similarity(self, text_vectors: np.ndarray) -> np.ndarray:
        """``(N, P)`` cosine of each candidate with each text row; NaN where not embedded."""
        sims = self.vectors @ np.asarray(text_vectors, dtype=np.float32).T
        sims[~self.mask] = np.nan
        return sims
