"""Text on screen, read by PP-OCR (``rapidocr-onnxruntime``) on a short list of frames.

OCR costs ~0.25 s per 640x360 frame on two cores (detection 0.15 s of it), so reading every
1 fps candidate of an hour would take ~15 minutes. Text on screen is usually static for seconds
(slides, signs, lower thirds) or appears at a change (captions, cards), so framesift reads a
frame only where *new text-like structure* appears:

1. While candidates are decoded, each one is reduced to a 320 px grey image and a cheap
   text-likeness mask is computed (morphological gradient -> threshold -> horizontal closing ->
   connected components shaped like lines of text; about a millisecond).
2. The priority of a frame is the area of text-like regions that were not there in the previous
   candidate (new text), plus a bonus for momentary events (a caption popping up is one).
3. A bounded heap keeps the ``max_frames`` highest-priority frames (at OCR resolution), so memory
   does not grow with the video's length; only those are read, in time order.

``max_frames`` defaults to ``24 + 2 per minute`` (capped at 160): ~30 s of OCR for an hour.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import av
import cv2
import numpy as np

from ..video.decode import to_rgb
from ..video.probe import VideoInfo

__all__ = ["OcrText", "OcrPool", "default_ocr_frames", "text_mask", "get_ocr_engine"]

_MASK_SIDE = 320


@dataclass(frozen=True)
class OcrText:
    """Text read from one candidate frame (lines joined top-to-bottom) and its mean confidence."""

    index: int
    time: float
    text: str
    confidence: float


def default_ocr_frames(duration_s: float) -> int:
    """How many frames to OCR by default for a video of this length."""
    return int(min(160, 24 + 2 * duration_s / 60.0))


def text_mask(grey: np.ndarray) -> np.ndarray:
    """Boolean mask of text-like regions in a grey image (lines of glyphs: dense, wide, short)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    grad = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, kernel)
    _, bw = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Otsu on a flat frame picks a tiny threshold: require real contrast.
    bw[grad < 48] = 0
    closed = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    mask = np.zeros(grey.shape, dtype=bool)
    h_img = grey.shape[0]
    for k in range(1, n):
        x, y, w, h, area = stats[k]
        if h < 4 or h > 0.2 * h_img or w < 2.0 * h or w < 12:
            continue
        if area < 0.3 * w * h:
            continue
        mask[y : y + h, x : x + w] = True
    return mask


_ENGINE = None


def get_ocr_engine():
    """The process-wide RapidOCR engine (its ONNX models ship in the wheel; no network)."""
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE = RapidOCR()
    return _ENGINE


class OcrPool:
    """A candidate tap that keeps the frames most worth reading (see module docstring)."""

    def __init__(self, info: VideoInfo, max_frames: int, side: int = 800, min_priority: float = 0.002) -> None:
        self.info = info
        self.max_frames = max_frames
        self.side = side
        self.min_priority = min_priority
        self._heap: list[tuple[float, int, float, np.ndarray]] = []
        self._prev_mask: np.ndarray | None = None
        self.offered = 0
        self.read_count = 0

    def offer(self, index: int, time: float, frame: av.VideoFrame, change: float) -> None:
        if self.max_frames <= 0:
            return
        self.offered += 1
        grey = to_rgb(frame, self.info, _MASK_SIDE, fmt="gray")
        mask = text_mask(grey)
        if self._prev_mask is not None and self._prev_mask.shape == mask.shape:
            seen = cv2.dilate(self._prev_mask.astype(np.uint8), np.ones((5, 9), np.uint8)).astype(bool)
            new_area = float((mask & ~seen).mean())
        else:
            new_area = float(mask.mean())
        self._prev_mask = mask
        priority = new_area * (1.0 + min(change, 5.0))
        if priority < self.min_priority:
            return
        item = (priority, index, time)
        if len(self._heap) < self.max_frames:
            heapq.heappush(self._heap, (*item, to_rgb(frame, self.info, self.side)))
        elif priority > self._heap[0][0]:
            heapq.heapreplace(self._heap, (*item, to_rgb(frame, self.info, self.side)))

    @property
    def kept(self) -> int:
        return len(self._heap)

    def read(self, progress: Callable[[int, int], None] | None = None) -> list[OcrText]:
        """OCR the kept frames in time order. Frees the images."""
        items = sorted(self._heap, key=lambda it: it[1])
        self._heap = []
        self.read_count = len(items)
        if not items:
            return []
        engine = get_ocr_engine()
        out: list[OcrText] = []
        for k, (_, index, time, rgb) in enumerate(items):
            result, _ = engine(rgb)
            if result:
                # rapidocr returns boxes roughly in reading order; keep that, join with spaces.
                texts = [r[1] for r in result if r[1].strip()]
                conf = float(np.mean([r[2] for r in result])) if result else 0.0
                if texts:
                    out.append(OcrText(index=index, time=time, text=" ".join(texts), confidence=conf))
            if progress is not None:
                progress(k + 1, len(items))
        return out
