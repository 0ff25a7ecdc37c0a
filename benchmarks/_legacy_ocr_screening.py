"""The OCR screening policy as it was before the text pre-pass (the baseline of bench_small_text).

Same detector and reader sizes as today's default (resolution-aware), but the earlier policy:
a frame is screened only when the whole 320 px picture's mean |diff| moved >= 2 grey levels,
its priority is the *area* of new text boxes, and no text pre-pass adds candidates (the caller
passes ``text_scan=False`` to the candidate scan). Kept here, not in the package, so the
benchmark can measure the old and new policy in one run.
"""

from __future__ import annotations

import numpy as np

from framesift.signals import ocr as fs_ocr
from framesift.video.decode import to_rgb


class LegacyPool(fs_ocr.OcrPool):
    def __init__(self, *a, **k) -> None:
        k.setdefault("min_priority", 0.002)
        super().__init__(*a, **k)

    def offer(self, index, time, frame, change, source="grid", region=None) -> None:  # the earlier policy
        if self.max_frames <= 0 or change > 0:
            return
        if source != "event" and time - self._last_screen_t < self.stride_s:
            return
        small = to_rgb(frame, self.info, 320)
        grey = small.mean(axis=2, dtype=np.float32)
        if self._prev_grey is not None and float(np.abs(grey - self._prev_grey).mean()) < 2.0:
            return
        if self.screen != 320:
            small = to_rgb(frame, self.info, self.screen)
        self._prev_grey = grey
        self._last_screen_t = time
        self.screened += 1
        boxes = fs_ocr.detect_text_boxes(small, self.device)
        new_area = sum(
            float((b[2] - b[0]) * (b[3] - b[1])) for b in boxes if not fs_ocr._box_overlaps(b, self._prev_boxes)
        )
        self._prev_boxes = boxes
        priority = new_area * (1.0 + 0.2 * min(change, 5.0))
        self._keep(index, time, priority, lambda: to_rgb(frame, self.info, self.side))
