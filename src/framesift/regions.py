"""Regions worth a crop near a chosen frame, in the order ``crops=auto`` tries them.

1. **Text** (:func:`matched_text_boxes`): OCR already located every line it read
   (:attr:`~framesift.signals.ocr.OcrText.boxes`); the lines whose meaning is closest to the
   question (the text embedder the relevance channels use) are the prompt-guided regions of
   interest (Free Video-LLM, Han et al. 2024, picks RoIs by prompt similarity; here the
   similarity is taken on the read text, which is exact for text).
2. **Event** (:func:`event_region_box`): the region that changed at a momentary event or where
   new text-like detail appeared, recorded by the candidate scan
   (:attr:`~framesift.video.candidates.CandidateSet.region`).
3. **Visual** (:func:`visual_roi_box`): with a visual model that exposes patch embeddings, the
   window of patches most similar to the question (Free Video-LLM's prompt-guided RoI).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._imaging import padded_box
from .budget.layouts import Box
from .signals.ocr import OcrText
from .video.candidates import CandidateSet

__all__ = ["event_region_box", "matched_text_boxes", "visual_roi_box"]


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


def event_region_box(
    cands: CandidateSet, index: int, native: tuple[int, int], *, pad: float = 0.02, max_area: float = 0.5
) -> Box | None:
    """Pixel box of the changed region recorded for candidate frame ``index`` (padded), or
    ``None`` when it has none or the region is most of the frame (a cut: nothing to zoom into)."""
    pos = int(np.searchsorted(cands.index, index))
    if pos >= len(cands) or int(cands.index[pos]) != index:
        return None
    r = cands.region_of(pos)
    if r is None or (r[2] - r[0]) * (r[3] - r[1]) > max_area:
        return None
    return padded_box(r, pad, pad, native)[1]


def visual_roi_box(
    patches: np.ndarray, query_vec: np.ndarray, native: tuple[int, int], *, frac: float = 1.0 / 3.0
) -> Box:
    """Pixel box of the ``frac``-sized window of patches most similar to the question.

    ``patches``: ``(g, g, D)`` unit patch embeddings of the whole frame (squashed to the model's
    square input, so the grid spans the frame), ``query_vec``: ``(D,)`` the question's unit text
    embedding. The window with the largest summed similarity wins (a box, not a mask: the model
    gets a rectangle either way, and a window is robust to single noisy patches).
    """
    sim = np.asarray(patches, dtype=np.float32) @ np.asarray(query_vec, dtype=np.float32)
    g = sim.shape[0]
    k = max(1, min(g, int(round(g * frac))))
    c = np.pad(sim.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
    r, q = np.unravel_index(int(np.argmax(sums)), sums.shape)
    W, H = native
    return (int(q * W / g), int(r * H / g), int(np.ceil((q + k) * W / g)), int(np.ceil((r + k) * H / g)))
