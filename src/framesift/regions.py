"""Regions worth a crop: the on-screen text lines that match the question, near a chosen frame.

OCR already located every line it read (:attr:`~framesift.signals.ocr.OcrText.boxes`); the
lines whose meaning is closest to the question (the text embedder the relevance channels use)
are the prompt-guided regions of interest (Free Video-LLM, Han et al. 2024, picks RoIs by
prompt similarity; here the similarity is taken on the read text, which is exact for text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .budget.layouts import Box
from .signals.ocr import OcrText

__all__ = ["matched_text_boxes"]


def matched_text_boxes(
    reads: Sequence[OcrText],
    embed: Callable[[list[str]], np.ndarray],
    query: str,
    time: float,
    native: tuple[int, int],
    *,
    max_dt: float = 1.0,
    top: int = 2,
    min_similarity: float = 0.2,
) -> tuple[Box, ...]:
    """Pixel boxes of the ``top`` lines most similar to ``query`` in the read nearest ``time``
    (within ``max_dt`` seconds: text on screen is static for about a second at least)."""
    near = [r for r in reads if r.boxes and abs(r.time - time) <= max_dt]
    if not near or not query.strip():
        return ()
    read = min(near, key=lambda r: abs(r.time - time))
    vecs = np.asarray(embed([query, *read.lines]), dtype=np.float32)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    sims = vecs[1:] @ vecs[0]
    W, H = native
    out = []
    for k in np.argsort(-sims)[:top]:
        if sims[k] < min_similarity:
            break
        x0, y0, x1, y1 = read.boxes[int(k)]
        out.append((int(x0 * W), int(y0 * H), int(np.ceil(x1 * W)), int(np.ceil(y1 * H))))
    return tuple(out)
