"""Online candidates: the offline candidate rules applied frame by frame as a stream arrives.

The same rules as :func:`framesift.video.candidates.extract_candidates`, and the same scanner
(its ``_EventScanner`` is already an online detector): a base grid at ``fps``, every event onset
and the frame ``settle_s`` after it. What differs is only what can change mid-stream: the frame
rate is estimated from the timestamps, and a resolution or pixel-format change resets the
scanner's reference (a different frame size is not a "change" of content to compare against).
Each kept candidate becomes a :class:`~framesift.stream.memory.MemoryItem` with the low-level
feature of :mod:`framesift.signals.lowlevel` and a stored JPEG.
"""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np

from ..signals.lowlevel import visual_features
from ..video.candidates import EventScanConfig, _EventScanner
from ..video.decode import reformat
from .memory import MemoryConfig, MemoryItem

__all__ = ["OnlineSampler", "frame_display_size"]


def frame_display_size(frame: av.VideoFrame, max_side: int) -> tuple[int, int]:
    """``(w, h)`` of the frame as displayed (square pixels), longer side at most ``max_side``, even."""
    w, h = frame.width, frame.height
    sar = frame.sample_aspect_ratio if hasattr(frame, "sample_aspect_ratio") else None
    if sar and isinstance(sar, Fraction) and sar > 0 and sar != 1:
        w = int(round(w * float(sar)))
    if max(w, h) > max_side:
        s = max_side / max(w, h)
        w, h = int(round(w * s)), int(round(h * s))
    return max(2, w - w % 2), max(2, h - h % 2)


class _EventFlags(dict):
    """The scanner's ``ordinal -> transient`` table, prunable: ``len`` counts every event ever
    seen, because the scanner numbers a new event ``len(table)``; old entries can be dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __setitem__(self, key: int, value: bool) -> None:
        if key not in self:
            self.total = max(self.total, key + 1)
        super().__setitem__(key, value)

    def __len__(self) -> int:
        return self.total


class OnlineSampler:
    """Decides, frame by frame, which frames become candidates, and builds their memory items."""

    def __init__(self, memory: MemoryConfig, *, events: bool = True, fps_hint: float = 25.0) -> None:
        self.config = memory
        self.events = events
        self.scan_cfg = EventScanConfig()
        self.fps = fps_hint if fps_hint and fps_hint > 0 else 25.0
        self.scanner = _EventScanner(self.fps, self.scan_cfg) if events else None
        if self.scanner is not None:
            self.scanner.transient = _EventFlags()
        self.next_grid = 0.0
        self.settle_left: dict[int, int] = {}  # event ordinal -> frames until its settled frame
        self.layout: tuple[int, int, str] | None = None
        self.events_found = 0

    def set_fps(self, fps: float) -> None:
        """A better frame-rate estimate (the scanner's history window is measured in frames)."""
        if fps > 0 and abs(fps - self.fps) / self.fps > 0.2 and self.scanner is not None:
            self.fps = fps
            prev, transient = self.scanner.prev, self.scanner.transient
            self.scanner = _EventScanner(fps, self.scan_cfg)
            self.scanner.prev, self.scanner.transient = prev, transient

    def reset_reference(self) -> None:
        """Forget the previous frame (after a resolution change or a gap in the stream)."""
        if self.scanner is not None:
            self.scanner.prev = None
            self.scanner.hist.clear()
            self.scanner.open_events = []

    def transient_of(self, ordinal: int) -> bool:
        return bool(self.scanner is not None and self.scanner.transient.get(ordinal, False))

    def prune(self, keep_after: int) -> None:
        """Drop event bookkeeping older than ``keep_after`` (ordinals no memory item still needs)."""
        if self.scanner is not None and dict.__len__(self.scanner.transient) > 4096:
            for o in [o for o in self.scanner.transient if o < keep_after]:
                del self.scanner.transient[o]

    def step(self, frame: av.VideoFrame, index: int, t: float, wall: float) -> MemoryItem | None:
        """Feed one decoded frame; returns its memory item when it is a candidate."""
        layout = (frame.width, frame.height, frame.format.name)
        if self.layout is not None and layout != self.layout:
            self.reset_reference()
        self.layout = layout
        strength = self.scanner.step(frame, t) if self.scanner is not None else 0.0
        settled = -1
        for o in list(self.settle_left):
            self.settle_left[o] -= 1
            if self.settle_left[o] <= 0:
                del self.settle_left[o]
                settled = o
        ordinal = -1
        if strength > 0 and self.scanner is not None:
            ordinal = len(self.scanner.transient) - 1
            self.events_found += 1
            self.settle_left[ordinal] = max(1, int(round(self.scan_cfg.settle_s * self.fps)))
        on_grid = t + 1e-6 >= self.next_grid
        if on_grid:
            step = 1.0 / self.config.fps
            self.next_grid = (np.floor((t + 1e-6) / step) + 1) * step
        if strength > 0:
            source, change = "event", strength
        elif settled >= 0:
            source, change, ordinal = "event", 0.0, settled
        elif on_grid:
            source, change = "grid", 0.0
        else:
            return None
        return self._item(frame, index, t, wall, source, change, ordinal)

    def _item(
        self, frame: av.VideoFrame, index: int, t: float, wall: float, source: str, change: float, ordinal: int
    ) -> MemoryItem:
        cfg = self.config
        # One swscale call (the costly part, ~4 ms at 360p) to the stored size; the feature
        # thumbnail is an area downscale of that, which costs microseconds.
        iw, ih = frame_display_size(frame, cfg.image_side)
        img = reformat(frame, iw, ih, "bgr24")
        tw, th = frame_display_size(frame, min(cfg.thumb_side, cfg.image_side))
        thumb = cv2.cvtColor(cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality])
        fw, fh = frame_display_size(frame, 1 << 16)
        return MemoryItem(
            index=index,
            time=t,
            wall=wall,
            source=source,
            change=float(change),
            ordinal=ordinal,
            feature=visual_features(thumb[None])[0],
            jpeg=jpeg.tobytes() if ok else b"",
            image_size=(iw, ih),
            frame_size=(fw, fh),
        )
