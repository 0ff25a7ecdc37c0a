"""Text on screen, read by PP-OCR (``rapidocr-onnxruntime``) on a short list of frames.

Full OCR (detection + recognition) costs ~0.1-0.2 s per 640x360 frame on two cores, so reading every
1 fps candidate of an hour would take 6-12 minutes. Text on screen is usually static for seconds
(slides, signs, lower thirds) or appears at a change (captions, cards), so framesift reads a
frame only where *new text* appears:

1. While candidates are decoded, the settled frame of every detected change (~0.2 s after the
   onset: captions and cards appear at changes), every frame where the candidate scan saw new
   text-like detail appear (:class:`~framesift.video.candidates.TextScanConfig`: a small caption
   barely moves the change detector), and a 1 fps grid frame every ``stride_s`` seconds (text
   that stays on screen), when some part of the picture changed since the last screened frame
   (block-wise: a 16 px caption on a 1080p frame moves the whole frame's mean by less than one
   grey level) and it shows text-like detail somewhere (strong luma steps, as the candidate
   scan's text pre-pass counts them: a plain or dark frame has nothing to detect) that is not
   where and what it was at the last screened frame (a block gained such steps, or they moved:
   text added or replaced; a moving picture moves them everywhere), are run
   through PP-OCR's text *detector* alone at 320 px (~6-20 ms by machine) -- larger for
   HD sources, see below. rapidocr's default upsamples a 640x360 frame to a 736 px short side
   first, which costs ~20x more; at 320 px the detector still finds ~85% of the text lines of a
   360p frame (it misses the smallest), see benchmarks/bench_ocr.py.
2. The priority of a frame counts the detected text *lines* that do not overlap a box of the
   previous screened frame (new text), each line weighted by its length in text heights (a
   short fragment or a round shape counts less than a line of words) -- not by area, so a 16 px
   caption competes with a 40 px title on equal terms -- and raised by half for event
   candidates (text that appeared at a change or popped up is what a grid misses).
3. A bounded heap keeps the ``max_frames`` highest-priority frames (at OCR resolution), so memory
   does not grow with the video's length; only those are read in full (results in time order).
4. Steps 1-3 after the cheap "same picture" test, and the reading, run in a reader thread while
   the decoder goes on (``overlap``, :mod:`framesift.signals.ocr_reader`): ONNX Runtime releases
   the GIL, and the decode pass leaves a core partly idle. What reading is left when decoding
   ends runs one frame per core. Same frames, same text as reading afterwards.

``max_frames`` defaults to ``24 + 2 per minute`` (capped at 160).

Resolution: a fixed 320 px screen shrinks a 1080p frame six times, and 16-28 px slide or UI text
becomes 3-5 px, below what the detector can see (issue 18: a quarter of such needles found).
:func:`screen_side` and :func:`read_side` scale both sizes with the source so the smallest text
worth reading (``min_text_px``, 16 px by default) keeps ~8 px at the detector and ~10 px for the
recogniser (PP-OCR's recogniser resizes each line to 48 px high; below ~10 px glyphs are lost).
Sources up to 640 px keep today's 320 / 960 px, so small videos cost what they did; cost grows
with the source's pixel count (the detector is a fully convolutional DB net, linear in pixels).
Frames are never enlarged (:func:`~framesift.video.decode.to_rgb` only shrinks), so a source
smaller than the read side (a 640x360 one) is read at its own size.
"""

from __future__ import annotations

import bisect
import heapq
import math
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import av
import numpy as np

from .._imaging import padded_box
from ..devices import ort_providers
from ..errors import InputError
from ..video.candidates import TextScanConfig, block_share, edge_mask
from ..video.decode import to_rgb
from ..video.probe import VideoInfo
from .ocr_reader import SlotReader

__all__ = [
    "OcrText",
    "OcrPool",
    "default_ocr_frames",
    "detect_text_boxes",
    "get_ocr_engine",
    "read_side",
    "read_text",
    "screen_side",
]

_SCREEN_SIDE = 320
_READ_SIDE = 960
#: the smallest on-screen text height (source pixels) screening and reading are sized for
MIN_TEXT_PX = 16.0
_DET_TEXT_PX = 8.0  # text height the DB detector still finds reliably (benchmarks/bench_small_text.py)
_REC_TEXT_PX = 10.0  # text height the recogniser still reads
_MAX_SCREEN_SIDE = 1920
_MAX_READ_SIDE = 2560  # rapidocr caps the detector at 2000 px; lines are cut from this image


def _longer(info: VideoInfo) -> int:
    return max(int(info.width), int(info.height))


def screen_side(info: VideoInfo, min_text_px: float = MIN_TEXT_PX) -> int:
    """Longer side (px) frames are screened at, so text ``min_text_px`` high keeps ~8 px."""
    want = _longer(info) * _DET_TEXT_PX / float(min_text_px)
    return int(min(_MAX_SCREEN_SIDE, _longer(info), max(_SCREEN_SIDE, 32 * math.ceil(want / 32))))


def read_side(info: VideoInfo, min_text_px: float = MIN_TEXT_PX) -> int:
    """Longer side (px) kept frames are read at, so text ``min_text_px`` high keeps ~10 px."""
    want = _longer(info) * _REC_TEXT_PX / float(min_text_px)
    return int(min(_MAX_READ_SIDE, max(_READ_SIDE, 32 * math.ceil(want / 32))))


_STATIC_GREY_DIFF = 2.0  # mean |diff| below this: same picture, nothing new to detect ...
_STATIC_BLOCK_DIFF = 6.0  # ... unless one 8x8 block (of 320 px) changed this much: a small caption
_STATIC_BLOCK = 8
_LINE_ASPECT = 8.0  # a detected line this many heights long (~5 characters) counts fully
_EVENT_BOOST = 1.5
_MAX_REGION_AREA = 0.25  # a larger changed region (a cut) is screened whole, as any frame
#: below this densest block of strong luma steps (candidates.edge_density) a frame shows no
#: text-like detail anywhere and is not screened: on the 10-minute benchmark video every frame
#: the detector found a line on had >= 0.10 (16-28 px captions rise >= 0.14, TextScanConfig),
#: and 59 of its 63 frames without any had < 0.05 (dark scenes, fades, plain backgrounds)
_MIN_EDGE_DENSITY = 0.05
#: a changed frame whose text-like detail is where and what it was at the last screened frame
#: is not screened either: no block's edge density rose by _MIN_EDGE_RISE (text added) and no
#: block has _MIN_EDGE_FLIP of its edge samples flipped (text replaced in place: a slide's next
#: line, a clock's digits). A moving picture flips many, so it is screened as before. On the
#: 10-minute benchmark video 226 of 333 screens were like this; the 3 kept frames among them
#: held no line the kept frames of the others lacked, bar one clock reading (BENCHMARKS.md
#: section 15, "Less OCR work in the decode pass")
_MIN_EDGE_RISE = 0.08
_MIN_EDGE_FLIP = 0.10
_EDGE_SCAN = TextScanConfig()
#: a kept frame is read while decoding goes on once fewer than this share of the pool's slots
#: is projected to hold higher-priority frames at the end of the video (see OcrPool._ready):
#: simulated on the keep sequences of the 10- and 60-minute benchmark videos, 0.9 leaves 2 of the
#: hour's 95 wasted early reads and defers 5 reads to the end (0 and 0 on 10 minutes)
_READ_EARLY_SHARE = 0.9


def _edge_detail(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The frame's edge mask and its block densities (:func:`~framesift.video.candidates.edge_mask`,
    :func:`~framesift.video.candidates.block_share`), or None when there are none to test: not
    planar YUV, or too small for one block."""
    mask = edge_mask(frame, _EDGE_SCAN)
    density = block_share(mask, _EDGE_SCAN) if mask is not None else None
    return None if mask is None or density is None else (mask, density)


def _new_detail(mask: np.ndarray, density: np.ndarray, ref: tuple[np.ndarray, np.ndarray] | None) -> bool:
    """Whether ``mask`` (an edge mask and its block ``density``) shows text-like detail that the
    reference (the last screened frame's) did not: a block gained edges, or its edges moved."""
    if ref is None or ref[0].shape != mask.shape:
        return True
    if float((density - ref[1]).max()) >= _MIN_EDGE_RISE:
        return True
    flipped = block_share(mask ^ ref[0], _EDGE_SCAN)
    return flipped is None or float(flipped.max()) >= _MIN_EDGE_FLIP


def _area(r: tuple[float, float, float, float]) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def _grey(rgb: np.ndarray) -> np.ndarray:
    """The mean of the three channels as float32, bit-identical to ``rgb.mean(axis=2,
    dtype=np.float32)`` (an exact integer sum, one division) but ~12x cheaper: numpy's reduction
    over a last axis of length 3 costs ~1.2 ms on a 320x180 frame (0.1 ms this way), and the
    decode loop's thread made one for every frame the pool tested (~645 per 10 minutes of the
    benchmark video; benchmarks/bench_decode_overhead.py)."""
    total = rgb[..., 0].astype(np.uint16)
    total += rgb[..., 1]
    total += rgb[..., 2]
    grey = total.astype(np.float32)
    grey /= np.float32(3.0)
    return grey


def _changed(grey: np.ndarray, prev: np.ndarray) -> bool:
    """Whether some part of the picture changed (whole-frame mean, or one block strongly)."""
    diff = np.abs(grey - prev)
    if float(diff.mean()) >= _STATIC_GREY_DIFF:
        return True
    b = _STATIC_BLOCK
    h, w = (diff.shape[0] // b) * b, (diff.shape[1] // b) * b
    if h == 0 or w == 0:
        return False
    blocks = diff[:h, :w].reshape(h // b, b, w // b, b).mean(axis=(1, 3))
    return float(blocks.max()) >= _STATIC_BLOCK_DIFF


def _with_region_boxes(
    boxes: list[np.ndarray], rgb: np.ndarray, region: tuple[float, float, float, float], device: str
) -> list[np.ndarray]:
    """``boxes`` with those inside ``region`` replaced by a detection on the region of ``rgb``
    (padded by a few text lines: the scan's blocks cut through glyphs)."""
    h, w = rgb.shape[:2]
    (x0, y0, x1, y1), (px0, py0, px1, py1) = padded_box(region, 0.03, 0.04, (w, h))
    if px1 - px0 < 8 or py1 - py0 < 8:
        return boxes
    found = detect_text_boxes(np.ascontiguousarray(rgb[py0:py1, px0:px1]), device)
    if not found:
        return boxes
    sx, sy = (px1 - px0) / w, (py1 - py0) / h
    mapped = [
        np.array([px0 / w + b[0] * sx, py0 / h + b[1] * sy, px0 / w + b[2] * sx, py0 / h + b[3] * sy]) for b in found
    ]
    inside = lambda b: x0 <= (b[0] + b[2]) / 2 <= x1 and y0 <= (b[1] + b[3]) / 2 <= y1  # noqa: E731
    return [b for b in boxes if not inside(b)] + mapped


def _line_weight(box: np.ndarray, width: int, height: int) -> float:
    """A new text line's share of priority: its length in text heights, capped at one line."""
    h = max(float(box[3] - box[1]) * height, 1.0)
    return min(1.0, float(box[2] - box[0]) * width / h / _LINE_ASPECT)


@dataclass(frozen=True)
class OcrText:
    """Text lines read from one candidate frame (in reading order) and their mean confidence."""

    index: int
    time: float
    lines: tuple[str, ...]
    confidence: float
    #: each line's box ``(x0, y0, x1, y1)`` in [0, 1] frame coordinates (empty when unknown,
    #: e.g. reads cached before boxes were kept); region crops are cut from these
    boxes: tuple[tuple[float, float, float, float], ...] = ()

    @property
    def text(self) -> str:
        return " | ".join(self.lines)


def default_ocr_frames(duration_s: float) -> int:
    """How many frames to OCR by default for a video of this length."""
    return int(min(160, 24 + 2 * duration_s / 60.0))


def _box_overlaps(box: np.ndarray, others: list[np.ndarray], min_iou: float = 0.3) -> bool:
    x0, y0, x1, y1 = box
    for o in others:
        ix = max(0.0, min(x1, o[2]) - max(x0, o[0]))
        iy = max(0.0, min(y1, o[3]) - max(y0, o[1]))
        inter = ix * iy
        union = (x1 - x0) * (y1 - y0) + (o[2] - o[0]) * (o[3] - o[1]) - inter
        if union > 0 and inter / union >= min_iou:
            return True
    return False


def detect_text_boxes(rgb: np.ndarray, device: str = "cpu") -> list[np.ndarray]:
    """Axis-aligned text-line boxes ``[x0, y0, x1, y1]`` in [0, 1] coordinates (detector only)."""
    boxes, _ = get_ocr_engine("screen", device).text_det(rgb)
    if boxes is None or len(boxes) == 0:
        return []
    h, w = rgb.shape[:2]
    out = []
    for quad in boxes:
        q = np.asarray(quad, dtype=np.float32)
        out.append(np.array([q[:, 0].min() / w, q[:, 1].min() / h, q[:, 0].max() / w, q[:, 1].max() / h]))
    return out


def read_text(rgb: np.ndarray, engine: object | None = None, *, index: int = 0, time: float = 0.0) -> OcrText | None:
    """Detect and recognise the text of one RGB image (``None`` when it has none)."""
    engine = engine if engine is not None else get_ocr_engine("read")
    result, _ = engine(rgb)  # type: ignore[operator]
    if not result:
        return None
    h, w = rgb.shape[:2]
    lines, boxes = [], []
    # rapidocr returns lines roughly in reading order (top to bottom).
    for quad, text, _score in result:
        if text.strip():
            q = np.asarray(quad, dtype=np.float32)
            lines.append(text.strip())
            boxes.append(
                (
                    float(max(0.0, q[:, 0].min() / w)),
                    float(max(0.0, q[:, 1].min() / h)),
                    float(min(1.0, q[:, 0].max() / w)),
                    float(min(1.0, q[:, 1].max() / h)),
                )
            )
    if not lines:
        return None
    conf = float(np.mean([r[2] for r in result]))
    return OcrText(index=index, time=time, lines=tuple(lines), confidence=conf, boxes=tuple(boxes))


_ENGINES: dict[str, object] = {}
_ENGINES_LOCK = threading.Lock()  # engines are built from reader threads too
#: detector input size (longer side) for screening and for reading
_DET_SIDE = {"screen": 2000, "read": 2000}


def ocr_device(device: str = "cpu") -> str:
    """Where OCR runs for ``device`` (auto / cpu / cuda): CUDA needs ``onnxruntime-gpu``, since
    rapidocr runs PP-OCR's ONNX models through ONNX Runtime."""
    return ort_providers(device)[1]


def get_ocr_engine(purpose: Literal["screen", "read"] = "read", device: str = "cpu"):
    """A process-wide RapidOCR engine (its ONNX models ship in the wheel; no network).

    ``screen`` runs the detector alone; ``read`` detects and recognises. The caller sizes the
    image (:func:`screen_side`, :func:`read_side`): with ``det_limit_type="max"`` rapidocr never
    enlarges it (its default, short side >= 736, upsamples video frames ~20x in cost).
    Both run one ONNX thread per call: screening runs inside the decode loop, and reading runs
    one frame per thread (:mod:`framesift.signals.ocr_reader`). The read engine has no angle
    classifier: video text is upright, and the classifier's only job is to flip lines read
    upside down (5 ms a frame), and recognises one line per run (no padding to the widest line).
    ``device``: see :func:`ocr_device`.
    """
    dev = ocr_device(device)
    key = purpose if dev == "cpu" else f"{purpose}@{dev}"
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            from rapidocr_onnxruntime import RapidOCR

            kwargs: dict = {}
            if dev != "cpu":
                kwargs.update(det_use_cuda=True, cls_use_cuda=True, rec_use_cuda=True)
            # One ONNX thread: screening shares the cores with FFmpeg's decoder threads (one
            # thread was 21.5 s -> 13.7 s for 10 minutes of 360p against two, measured with
            # benchmarks/bench_select.py's video); reading parallelises over frames instead.
            kwargs["intra_op_num_threads"] = 1
            if purpose == "read":
                kwargs["use_cls"] = False
                # One line per recogniser run: rapidocr batches 6 lines padded to the widest, and
                # a video frame mixes short titles with long lines (a clock, a bullet), so most of
                # a batch was padding. 1.53x less recognition CPU on the 10-minute benchmark's
                # kept frames; padding also made the recogniser drop spaces ("Costsand"), which it
                # no longer does (BENCHMARKS.md section 15, "Less OCR work").
                kwargs["rec_batch_num"] = 1
            with _tuned_sessions():
                _ENGINES[key] = RapidOCR(det_limit_side_len=_DET_SIDE[purpose], det_limit_type="max", **kwargs)
        return _ENGINES[key]


@contextmanager
def _tuned_sessions() -> Iterator[None]:
    """Build rapidocr's ONNX Runtime sessions with a memory arena and without spinning threads.

    rapidocr exposes neither session option, so its session-options factory is wrapped while
    the engine is built.

    * Arena: rapidocr turns ONNX Runtime's CPU arena off, so every intermediate tensor is a
      malloc/free. framesift pins glibc's mmap threshold at 128 KiB (:mod:`framesift._malloc`,
      which keeps RSS flat over hours), so each tensor above that is a fresh mmap, page faults
      and zero-filling included: reading took 0.73 s a frame instead of 0.18 s with the arena
      (same text; benchmarks/bench_ocr_arena.py, threshold pinned as in a select). The arena allocates
      once per session and reuses its blocks; its size is the largest run's working set.
    * No spinning: reading runs next to other work (the decoder, other processes on a shared
      machine), and spinning threads steal the CPU it needs; measured 1.3-1.7x faster reading
      (benchmarks/bench_ocr_spin.py; same text on every frame) on the 2-core VM under heavy
      load, as the visual embedders found (BENCHMARKS.md, "Lean start").
    """
    try:
        from rapidocr_onnxruntime.utils import infer_engine
    except ImportError:  # another layout: build the sessions as rapidocr does
        yield
        return
    original = infer_engine.OrtInferSession.__dict__.get("_init_sess_opts")
    if original is None:
        yield
        return
    build = original.__func__ if isinstance(original, staticmethod) else original

    def tuned(config):
        opts = build(config)
        opts.enable_cpu_mem_arena = True
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return opts

    infer_engine.OrtInferSession._init_sess_opts = staticmethod(tuned)
    try:
        yield
    finally:
        infer_engine.OrtInferSession._init_sess_opts = original


class OcrPool:
    """A candidate tap that keeps the frames most worth reading (see module docstring)."""

    def __init__(
        self,
        info: VideoInfo,
        max_frames: int,
        side: int | None = None,
        min_priority: float = 0.3,
        stride_s: float = 2.0,
        device: str = "cpu",
        *,
        min_text_px: float = MIN_TEXT_PX,
        screen: int | None = None,
        overlap: bool = True,
    ) -> None:
        self.info = info
        #: where the detector and recogniser run (``cpu`` / ``cuda[:N]``, see :func:`ocr_device`);
        #: a GPU that ONNX Runtime cannot use means the CPU, said in ``note`` (OCR is not the
        #: part a ``device="cuda"`` run is for: that is the visual model, which does fail loudly)
        self.device, self.note = "cpu", None
        if max_frames > 0:
            try:
                self.device = ocr_device(device)
            except InputError as exc:
                self.note = f"OCR ran on the CPU ({exc})"
        self.max_frames = max_frames
        # Both sizes follow the source (see module docstring); pass them to pin a size.
        self.side = int(side) if side is not None else read_side(info, min_text_px)
        self.screen = int(screen) if screen is not None else screen_side(info, min_text_px)
        self.min_priority = min_priority
        self.stride_s = stride_s
        self._heap: list[tuple[float, int, float, int]] = []  # (priority, index, time, slot)
        self._slots: np.ndarray | None = None
        #: reads kept frames while decoding goes on (``overlap``; else all at :meth:`read`)
        self.overlap = overlap
        self._reader: SlotReader | None = None
        self._prev_grey: np.ndarray | None = None
        self._prev_boxes: list[np.ndarray] = []
        self._last_screen_t = -1e9
        self.screened = 0
        #: frames not screened because they show no text-like detail (see _MIN_EDGE_DENSITY)
        self.skipped_plain = 0
        #: frames not screened because their text-like detail is the last screened frame's
        #: (see _MIN_EDGE_RISE)
        self.skipped_same_text = 0
        self._prev_edges: tuple[np.ndarray, np.ndarray] | None = None
        #: priorities of every screened frame that reached min_priority (sorted), and the time
        #: of the last screened frame: what _ready projects the end of the video from
        self._priorities: list[float] = []
        self._screened_to = 0.0
        duration = float(info.duration or 0.0)
        self._duration = duration if math.isfinite(duration) and duration > 0 else None  # None: a stream
        self.read_count = 0
        #: of the frames read, how many were read while decoding went on
        self.read_early = 0

    def offer(
        self,
        index: int,
        time: float,
        frame: av.VideoFrame,
        change: float,
        source: str = "grid",
        region: tuple[float, float, float, float] | None = None,
    ) -> None:
        if self.max_frames <= 0:
            return
        if change > 0:
            return  # an onset: its settled frame (~0.2 s later, also an event candidate) shows the result
        if source != "event" and time - self._last_screen_t < self.stride_s:
            return  # grid: text that stays on screen is seen at the next screened sample
        # Three tests, each against the last screened frame, all of which a frame must pass to be
        # screened; the two on the coded luma plane's edges run first because they are cheap and
        # turn most frames away (520 of the ~645 offered per 10 minutes of the benchmark video),
        # so only the rest are converted to RGB for the third. The order changes no decision.
        edges = _edge_detail(frame)
        if edges is not None and float(edges[1].max()) < _MIN_EDGE_DENSITY:
            # No text-like detail anywhere: nothing for the detector (~20 ms a screen) to find.
            # The last screened frame stays the reference, so text it showed that comes back
            # after this frame (a slide after a black frame) is not counted as new again.
            self.skipped_plain += 1
            return
        if edges is not None and not _new_detail(*edges, self._prev_edges):
            # Its text-like detail is the reference's: the detector would find the reference's
            # lines again, which earn no priority. Same reference kept.
            self.skipped_same_text += 1
            return
        # The "same picture" test runs at 320 px whatever the source (its threshold was tuned
        # there, and it is cheap); only a changed picture is converted at the screening size.
        small = to_rgb(frame, self.info, _SCREEN_SIDE)
        grey = _grey(small)
        if self._prev_grey is not None and self._prev_grey.shape == grey.shape and not _changed(grey, self._prev_grey):
            return  # the picture has not changed: no new text
        if edges is not None:
            self._prev_edges = edges
        if self.screen != _SCREEN_SIDE:
            small = to_rgb(frame, self.info, self.screen)
        self._prev_grey = grey
        self._last_screen_t = time
        self.screened += 1
        if self.overlap:
            # Detection, the heap and reading run in the reader's thread (in offer order), so
            # the decoder goes on meanwhile; the frame is recycled after this call, so its
            # read-size image is made now.
            rgb = to_rgb(frame, self.info, self.side)
            self._ensure_reader().submit(lambda: self._screen(index, time, source, region, small, lambda: rgb))
        else:
            self._screen(index, time, source, region, small, lambda: to_rgb(frame, self.info, self.side))

    def _screen(
        self,
        index: int,
        time: float,
        source: str,
        region: tuple[float, float, float, float] | None,
        small: np.ndarray,
        read_image: Callable[[], np.ndarray],
    ) -> None:
        """Detect text on a screened frame and keep it by its new text lines (module docstring)."""
        self._screened_to = time
        boxes = detect_text_boxes(small, self.device)
        rgb: np.ndarray | None = None
        if region is not None and self.side > self.screen and _area(region) <= _MAX_REGION_AREA:
            # The candidate scan saw text-like detail appear here: look at that region at the
            # reading size too (a small crop, so cheap), where text the whole-frame screen is too
            # coarse for (a 16 px font is ~6 px at 960) is still ~10 px high.
            rgb = read_image()
            boxes = _with_region_boxes(boxes, rgb, region, self.device)
        sh, sw = small.shape[:2]
        new_lines = sum(_line_weight(b, sw, sh) for b in boxes if not _box_overlaps(b, self._prev_boxes))
        self._prev_boxes = boxes
        priority = new_lines * (_EVENT_BOOST if source == "event" else 1.0)
        self._keep(index, time, priority, read_image if rgb is None else (lambda: rgb))

    def _keep(self, index: int, time: float, priority: float, read_image: Callable[[], np.ndarray]) -> None:
        """Keep the frame if its priority earns a slot in the bounded heap (evicting the lowest):
        its read-size image (made only then) goes into that slot and to the reader."""
        if priority < self.min_priority:
            return
        with self._ensure_reader().lock:  # _ready reads it from the reader's threads
            bisect.insort(self._priorities, priority)
        if len(self._heap) < self.max_frames:
            slot = len(self._heap)
            heapq.heappush(self._heap, (priority, index, time, slot))
        elif priority > self._heap[0][0]:
            slot = self._heap[0][3]  # reuse the evicted frame's slot
            heapq.heapreplace(self._heap, (priority, index, time, slot))
        else:
            return
        rgb = read_image()
        reader = self._ensure_reader()
        with reader.lock:  # a reader thread may be copying a slot
            if self._slots is None:
                # One preallocated block for all kept frames. Allocating each kept frame separately
                # between the detector's large temporary buffers fragments glibc's heap so badly that
                # RSS grew by ~6 GB per 10 minutes of video (measured); fixed slots keep it flat.
                self._slots = reader.slots = np.empty((self.max_frames, *rgb.shape), dtype=np.uint8)
            self._slots[slot] = rgb
            reader.kept(slot, index, time, priority)

    def _ensure_reader(self) -> SlotReader:
        if self._reader is None:
            self._reader = self._new_reader()
        return self._reader

    def _new_reader(self) -> SlotReader:
        device = self.device

        def read_one(image: np.ndarray, index: int, time: float) -> OcrText | None:
            return read_text(image, get_ocr_engine("read", device), index=index, time=time)

        # Frame-level parallelism on the CPU (one ONNX thread per read); a GPU reads one at a time.
        threads = min(4, os.cpu_count() or 1) if device == "cpu" else 1
        reader = SlotReader(read_one, threads=threads, background=self.overlap, ready=self._ready)
        weakref.finalize(self, reader.stop)  # a pool dropped unread ends its reader thread
        return reader

    def _ready(self, priority: float) -> bool:
        """Whether a kept frame of ``priority`` is safe to read before the end: a frame is
        evicted when ``max_frames`` better ones arrive, so project how many better ones the whole
        video will have from those seen so far (as if they keep coming at the same rate) and read
        it only when that stays under ``_READ_EARLY_SHARE`` of the slots. Early reads of frames
        evicted later are wasted work on the cores the decoder needs. Called with the reader's
        lock held. An unknown duration (a stream) reads every kept frame early, as before."""
        if self._duration is None:
            return True
        done = min(1.0, max(self._screened_to / self._duration, 1e-3))
        above = len(self._priorities) - bisect.bisect_right(self._priorities, priority)
        return above / done < _READ_EARLY_SHARE * self.max_frames

    @property
    def kept(self) -> int:
        return len(self._heap)

    def read(self, progress: Callable[[int, int], None] | None = None) -> list[OcrText]:
        """OCR the kept frames (those not read in the background yet); results in time order.

        Frees the images.
        """
        reader = self._reader
        if reader is not None:
            reader.drain()  # frames still queued for screening
        items = sorted(self._heap, key=lambda it: it[1])
        self._heap, self._slots, self._reader = [], None, None
        self.read_count = len(items)
        if reader is None or not items:
            if reader is not None:
                reader.stop()
            return []
        reads = reader.finish([(slot, index) for _, index, _, slot in items], progress)
        self.read_early = reader.early
        return [r for r in reads if r is not None]
