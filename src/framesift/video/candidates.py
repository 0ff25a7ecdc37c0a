"""Candidate frames: a base-rate grid plus momentary events found by a dense change scan.

Sampling at 1 fps misses what is on screen for less than a second (a flash, a caption that
pops up and goes). Because a 1 fps sample of a long-GOP video already decodes every frame
(see :mod:`framesift.video.decode`), looking at every decoded frame costs only a tiny
downscale per frame: we compare each frame with the previous one on 64x36 samples of its luma
and chroma planes, block by block (a caption changes one region strongly, not the whole frame), and flag frames
whose change is an outlier against the last second of the same shot (median + k * MAD). Each flagged frame
(the onset) and the frame ~0.2 s later (the settled state, for fades) become candidates. An
event whose picture returns to the pre-event state within ~1.5 s is marked *transient*:
that is what a momentary event looks like, as opposed to a cut.

Small text (a 16 px caption on a 1080p frame) barely moves a 64x36 block mean, so a second,
equally cheap pass looks for *new text-like detail* (:class:`TextScanConfig`): every ~0.25 s it
takes horizontal luma gradients at full horizontal resolution on every 4th row of the coded
plane (strokes of 16 px text are 1-3 px wide), counts strong edges per block about one text line
tall, and flags a frame where some block gained many edges against the frame ~0.5 s before
(a caption, a label, a new bullet). Those frames become candidates (source ``event``, strength 0,
like a settled frame) so the OCR pool screens them; measured ~1 ms per scanned 1080p frame
(benchmarks/bench_small_text.py). Every event and text candidate records the region that
changed (``CandidateSet.region``, upright [0, 1] coordinates): crops are cut from it when OCR
has no matching line.

Compressed-domain signals (packet sizes) were measured as the cheaper alternative; see
``benchmarks/bench_events.py`` and BENCHMARKS.md for why decoding wins here.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import av
import numpy as np

from .decode import DecodeDevice, ReadPlan, display_size, iter_decoded, plan_reads, reformat, to_rgb
from .probe import FrameTable, VideoInfo

__all__ = [
    "CandidateSet",
    "CandidateTap",
    "EventScanConfig",
    "TextScanConfig",
    "add_late_candidates",
    "block_share",
    "edge_density",
    "edge_mask",
    "extract_candidates",
]

SOURCES = ("grid", "event", "subtitle", "audio")


class CandidateTap(Protocol):
    """Something that wants to see candidate frames while they are decoded (e.g. the OCR pool).

    ``offer`` receives the decoded frame itself, its event strength (0 if not an onset), its
    source ("grid", "event" or "subtitle") and, for event candidates, the upright region that
    changed or where text appeared (``(x0, y0, x1, y1)`` in [0, 1], else ``None``); a tap that
    keeps pixels must convert them (``to_rgb``) because the frame object is recycled after the call.
    """

    def offer(
        self,
        index: int,
        time: float,
        frame: av.VideoFrame,
        change: float,
        source: str,
        region: tuple[float, float, float, float] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class EventScanConfig:
    """Parameters of the dense change scan (defaults tuned on the synthetic needle suite)."""

    size: tuple[int, int] = (64, 36)  # grey thumbnail used for frame differences
    grid: tuple[int, int] = (4, 4)  # blocks; change = max block mean |diff|
    history_s: float = 1.0  # window for the robust baseline (reset at each event)
    k_mad: float = 4.0  # outlier threshold in MADs above the median
    floor: float = 6.0  # minimum change (grey levels) to count at all
    min_gap_s: float = 0.3  # events closer than this are one event
    settle_s: float = 0.2  # capture the frame this long after the onset too
    transient_s: float = 1.5  # an event reverting within this is "transient"


@dataclass(frozen=True)
class TextScanConfig:
    """Parameters of the text-appearance pre-pass (tuned on benchmarks/_small_text_videos.py:
    every 16-28 px caption rose >= 0.14 there; the floor keeps a margin below that)."""

    every_s: float = 0.25  # scan this often (captions last >= ~0.8 s)
    lag_s: float = 0.5  # compare with the scan this long before (catches fades too)
    row_px: int = 4  # sample every row_px-th source row (4 rows per 16 px line)
    block: tuple[int, int] = (4, 32)  # (sampled rows, sampled column pairs) per block: ~16 x 64 px
    edge: int = 32  # |horizontal luma step| counted as an edge
    floor: float = 0.12  # minimum rise of a block's edge density
    k_mad: float = 4.0  # and an outlier against the last history_s of rises (moving footage)
    history_s: float = 2.0
    min_gap_s: float = 0.5  # text appearing closer than this is one candidate


#: an upright region ``(x0, y0, x1, y1)`` in [0, 1] frame coordinates
Region = tuple[float, float, float, float]


@dataclass
class CandidateSet:
    """Candidate frames in time order. All arrays have shape ``(N,)`` except ``thumbs``.

    ``thumbs`` is ``(N, h, w, 3)`` uint8 upright RGB at most 64 px on the longer side: enough for
    colour/structure features and small enough (7 KB each) to keep for hours of video.
    ``change`` is the event strength (change / threshold, 0 for non-events); ``transient`` marks
    events that revert quickly (momentary). ``source`` says why each candidate exists.
    """

    index: np.ndarray
    time: np.ndarray
    source: np.ndarray
    thumbs: np.ndarray
    change: np.ndarray
    transient: np.ndarray
    plan: ReadPlan
    frames_decoded: int = 0
    events_scanned: bool = False
    events_found: int = 0
    #: candidates that exist because of a sound onset (source "audio")
    audio_events: int = 0
    notes: list[str] = field(default_factory=list)
    #: where the decode pass ran (``cpu`` or ``cuda[:N]``, see :func:`~framesift.video.decode.open_decoder`)
    decode_device: str = "cpu"
    #: ``(N, 4)`` float32: the region that changed at an event / where text appeared, upright
    #: [0, 1] coordinates ``x0, y0, x1, y1``; NaN for candidates without one (grid, subtitle)
    region: np.ndarray | None = None
    #: candidates that exist because new text-like detail appeared (the text pre-pass)
    text_events: int = 0

    def region_of(self, pos: int) -> Region | None:
        """The changed region of candidate ``pos`` (``None`` when it has none)."""
        if self.region is None or pos >= len(self.region) or not np.isfinite(self.region[pos]).all():
            return None
        x0, y0, x1, y1 = (float(v) for v in self.region[pos])
        return (x0, y0, x1, y1)

    def __len__(self) -> int:
        return int(self.index.shape[0])


def _plane_pixels(plane: av.video.plane.VideoPlane) -> np.ndarray | None:
    """One 8-bit plane as a ``(height, width)`` view of the decoder's buffer, without a copy
    (None if the buffer is shorter than its rows say: an unusual layout)."""
    ph, pw = plane.height, plane.width
    buf = np.frombuffer(memoryview(plane), dtype=np.uint8)
    if buf.size < plane.line_size * ph:
        return None
    return buf[: plane.line_size * ph].reshape(ph, plane.line_size)[:, :pw]


def _sample_plane(plane: av.video.plane.VideoPlane, size: tuple[int, int]) -> np.ndarray | None:
    """Point-sample one 8-bit plane to about ``size`` (a strided view; None if the layout is unusual)."""
    img = _plane_pixels(plane)
    if img is None:
        return None
    w, h = size
    ph, pw = img.shape
    sy, sx = max(1, ph // h), max(1, pw // w)
    return img[sy // 2 :: sy, sx // 2 :: sx][:h, :w]


def _yuv_blocks(frame: av.VideoFrame, size: tuple[int, int], grid: tuple[int, int]) -> np.ndarray:
    """Block means of luma and both chroma planes, shape ``(3, gh, gw)``, without a swscale call.

    For planar YUV (nearly all video) the planes *are* the picture; striding through them costs
    microseconds, where a swscale downscale per frame costs as much as decoding it. Chroma matters
    for momentary events: a cyan shape on a lavender wall barely changes luma.
    Other pixel formats fall back to a swscale conversion to grey.
    """
    if frame.format.name.startswith(("yuv", "yuvj")):
        planes = frame.planes  # (PyAV builds this tuple on every access)
        if len(planes) >= 3:
            samples = [p for p in (_sample_plane(q, size) for q in planes[:3]) if p is not None]
            if len(samples) == 3:
                if len({p.shape for p in samples}) == 1:  # the usual case: all three sample to one size
                    return _blocks(np.stack(samples).astype(np.float32), grid)
                return np.stack([_blocks(p.astype(np.float32)[None], grid)[0] for p in samples])
    w, h = size
    grey = reformat(frame, w, h, "gray").astype(np.float32)
    return _blocks(grey[None], grid)


#: averaging matrices of :func:`_blocks`, by (rows, columns, grid)
_BLOCK_MATS: dict[tuple[int, int, tuple[int, int]], tuple[np.ndarray, np.ndarray]] = {}


def _blocks(g: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Block means of a stack of images ``(n, h, w)`` on a ``grid`` (rows and columns that do
    not fill a block are dropped), shape ``(n, gh, gw)``.

    Two small matrix products (rows, then columns) instead of ``reshape(...).mean(axis=(1, 3))``:
    the event scan runs this on every decoded frame, and numpy's axis-tuple mean costs ~10x more
    per call on images this small (benchmarks/bench_decode_overhead.py)."""
    gh, gw = grid
    _, h, w = g.shape
    key = (h, w, grid)
    mats = _BLOCK_MATS.get(key)
    if mats is None:
        bh, bw = h // gh, w // gw
        rows = np.zeros((gh, h), np.float32)
        cols = np.zeros((w, gw), np.float32)
        for k in range(gh):
            rows[k, k * bh : (k + 1) * bh] = 1.0 / bh if bh else 0.0
        for k in range(gw):
            cols[k * bw : (k + 1) * bw, k] = 1.0 / bw if bw else 0.0
        mats = _BLOCK_MATS[key] = (rows, cols)
    out: np.ndarray = mats[0] @ g @ mats[1]
    return out


def _upright(box: Region, rotation: int) -> Region:
    """A box in coded-plane [0, 1] coordinates as the player shows it (rotation: degrees CCW)."""
    x0, y0, x1, y1 = box
    r = int(rotation) % 360
    if r == 90:
        return (y0, 1.0 - x1, y1, 1.0 - x0)
    if r == 180:
        return (1.0 - x1, 1.0 - y1, 1.0 - x0, 1.0 - y0)
    if r == 270:
        return (1.0 - y1, x0, 1.0 - y0, x1)
    return box


def _mask_box(mask: np.ndarray) -> Region | None:
    """Bounding box in [0, 1] coordinates of the True cells of a 2-D block mask."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return None
    gh, gw = mask.shape
    return (float(xs.min() / gw), float(ys.min() / gh), float((xs.max() + 1) / gw), float((ys.max() + 1) / gh))


def edge_mask(frame: av.VideoFrame, cfg: TextScanConfig) -> np.ndarray | None:
    """Where the coded luma plane has a strong horizontal step (every ``row_px``-th row, one
    value per adjacent column pair), or None when the frame is not planar YUV (then the pre-pass
    is skipped, the event scan still runs)."""
    if not frame.format.name.startswith(("yuv", "yuvj", "nv12")) or not frame.planes:
        return None
    luma = _plane_pixels(frame.planes[0])
    if luma is None or luma.shape[1] < 4:
        return None
    pw = luma.shape[1]
    rows = luma[cfg.row_px // 2 :: cfg.row_px]
    # adjacent column pairs (0,1), (2,3), ...: strokes seen at full resolution, half the work
    n = pw // 2
    a = rows[:, 0 : 2 * n : 2].astype(np.int16)
    b = rows[:, 1 : 2 * n : 2].astype(np.int16)
    return np.abs(a - b) > cfg.edge


def block_share(mask: np.ndarray, cfg: TextScanConfig) -> np.ndarray | None:
    """The share of set values of ``mask`` (an :func:`edge_mask`, or two of them xor-ed) per
    block of ``cfg.block`` (about one text line tall); None when the mask has no whole block."""
    bh, bw = cfg.block
    gh, gw = mask.shape[0] // bh, mask.shape[1] // bw
    if gh == 0 or gw == 0:
        return None
    return mask[: gh * bh, : gw * bw].reshape(gh, bh, gw, bw).mean(axis=(1, 3), dtype=np.float32)


def edge_density(frame: av.VideoFrame, cfg: TextScanConfig) -> np.ndarray | None:
    """Share of strong horizontal luma steps per block of the coded luma plane (None when the
    frame is not planar YUV). The OCR pool uses its maximum to skip screening frames that show no
    text-like detail anywhere."""
    mask = edge_mask(frame, cfg)
    return None if mask is None else block_share(mask, cfg)


def _median(values: list[float]) -> float:
    s = sorted(values)
    m = len(s) // 2
    return s[m] if len(s) % 2 else 0.5 * (s[m - 1] + s[m])


def _history_threshold(hist: deque[float], floor: float, k_mad: float, min_mad: float) -> float:
    """``floor``, raised to an outlier bar over the recent history of peaks (median + ``k_mad``
    robust deviations, at least ``min_mad``) once it holds 3 values: moving footage raises it.

    Plain Python on the (at most a few dozen) values: the event scan asks once per decoded frame,
    and two ``np.median`` calls cost ~40 us there, ~10x the sorts."""
    if len(hist) < 3:
        return floor
    vals = list(hist)
    med = _median(vals)
    mad = _median([abs(v - med) for v in vals]) * 1.4826
    return max(floor, med + k_mad * max(mad, min_mad))


class _TextScanner:
    """Online detector of new text-like detail (see the module docstring and TextScanConfig)."""

    def __init__(self, fps: float, cfg: TextScanConfig, rotation: int = 0) -> None:
        self.cfg = cfg
        self.rotation = rotation
        self.every = max(1, int(round(max(fps, 1.0) * cfg.every_s)))
        lag = max(1, int(round(cfg.lag_s / cfg.every_s)))
        self.maps: deque[np.ndarray] = deque(maxlen=lag)
        self.hist: deque[float] = deque(maxlen=max(5, int(cfg.history_s / cfg.every_s)))
        self.last_t = -1e9
        self.count = 0

    def step(self, frame: av.VideoFrame, t: float) -> Region | None:
        """The region where text appeared on this frame, or ``None``."""
        self.count += 1
        if (self.count - 1) % self.every:
            return None
        m = edge_density(frame, self.cfg)
        if m is None:
            return None
        out: Region | None = None
        if len(self.maps) == self.maps.maxlen and self.maps[0].shape == m.shape:
            rise = m - self.maps[0]
            r = float(rise.max())
            thr = _history_threshold(self.hist, self.cfg.floor, self.cfg.k_mad, 0.01)
            if r > thr and t - self.last_t >= self.cfg.min_gap_s:
                self.last_t = t
                box = _mask_box(rise >= 0.5 * r)
                out = _upright(box, self.rotation) if box is not None else None
            self.hist.append(r)
        self.maps.append(m)
        return out


class _EventScanner:
    """Online detector of sudden local changes; see the module docstring."""

    def __init__(self, fps: float, cfg: EventScanConfig) -> None:
        self.cfg = cfg
        self.fps = max(fps, 1.0)
        self.hist: deque[float] = deque(maxlen=max(5, int(cfg.history_s * self.fps)))
        self.prev: np.ndarray | None = None
        self.last_event_t = -1e9
        # (ordinal, onset time, blocks before the onset, jump size, blocks that jumped, clear onset)
        self.open_events: list[tuple[int, float, np.ndarray, float, np.ndarray, bool]] = []
        self.transient: dict[int, bool] = {}
        #: the blocks that jumped at the last onset, coded [0, 1] coordinates (crops use it)
        self.last_region: Region | None = None

    def step(self, frame: av.VideoFrame, t: float) -> float:
        """Return the event strength of this frame (0 if it is not an event onset)."""
        blocks = _yuv_blocks(frame, self.cfg.size, self.cfg.grid)
        strength = 0.0
        if self.prev is not None:
            diff = np.abs(blocks - self.prev)
            d = float(diff.max())
            self._close_reverted(blocks, diff, t)
            if len(self.hist) >= 3:
                thr = _history_threshold(self.hist, self.cfg.floor, self.cfg.k_mad, 0.5)
                if d > thr and t - self.last_event_t >= self.cfg.min_gap_s:
                    strength = d / thr
                    self.last_event_t = t
                    ordinal = len(self.transient)
                    self.open_events.append((ordinal, t, self.prev, d, diff >= 0.5 * d, strength >= 1.5))
                    self.last_region = _mask_box((diff >= 0.5 * d).any(axis=0))
                    self.transient[ordinal] = False
                    # A new shot has its own level of motion: forget the old one's.
                    self.hist.clear()
            self.hist.append(d)
        self.prev = blocks
        return strength

    def _close_reverted(self, blocks: np.ndarray, diff: np.ndarray, t: float) -> None:
        """Mark open events transient when the changed region changes back.

        Either the picture returns to its pre-event state there (a flash over a still shot), or
        a jump of similar size hits the same blocks again (a caption leaving moving footage, or
        a shot so short it is itself a momentary event).
        """
        still_open = []
        for ordinal, t0, pre, jump, region, strong in self.open_events:
            if t - t0 > self.cfg.transient_s:
                continue
            back = float(np.abs(blocks - pre)[region].max()) < 0.35 * jump
            d = float(diff.max())
            # (only for clear onsets: near the threshold, moving footage repeats jumps by chance)
            again = strong and d >= 0.5 * jump and _iou(diff >= 0.5 * d, region) >= 0.5
            if t > t0 and (back or again):
                self.transient[ordinal] = True
                continue
            still_open.append((ordinal, t0, pre, jump, region, strong))
        self.open_events = still_open


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = int((a | b).sum())
    return int((a & b).sum()) / union if union else 0.0


def grid_targets(info: VideoInfo, table: FrameTable, fps: float) -> np.ndarray:
    """Original indices of the frames on screen at ``start + k / fps`` seconds."""
    times = info.start_time + np.arange(0.0, info.duration, 1.0 / fps)
    return np.unique(table.index_at_time(times))


def extract_candidates(
    path: str | os.PathLike,
    info: VideoInfo,
    table: FrameTable,
    *,
    fps: float = 1.0,
    extra_times: Sequence[float] = (),
    events: bool = True,
    event_config: EventScanConfig | None = None,
    text_scan: TextScanConfig | None | bool = True,
    thumb_side: int = 64,
    taps: Sequence[CandidateTap] = (),
    progress: Callable[[int, int], None] | None = None,
    device: str = "cpu",
    audio_events: Sequence[tuple[float, float, bool]] = (),
    audio_sink: Callable[[av.Packet], None] | None = None,
) -> CandidateSet:
    """Decode candidate frames (grid at ``fps`` + frames at ``extra_times`` + momentary events).

    With ``events=True`` the whole stream is read once (the grid usually needs that anyway);
    otherwise only the targets are decoded with the cheaper of sequential reads and seeks.
    ``audio_events`` are sound onsets ``(time, strength, transient)`` (:func:`framesift.video.audio.audio_onsets`):
    the frame on screen at each becomes a momentary candidate with source ``"audio"`` (a visual
    event on the same frame keeps its own source). ``audio_sink`` is handed the audio packets of
    a sequential pass (:func:`~framesift.video.decode.iter_decoded`); onsets and cues found that
    way join afterwards through :func:`add_late_candidates`. ``text_scan`` (with ``events``): the
    text-appearance pre-pass (``True``: default :class:`TextScanConfig`; ``False``/``None``: off).
    """
    if fps <= 0:
        raise ValueError("fps must be > 0")
    cfg = event_config or EventScanConfig()
    grid = grid_targets(info, table, fps)
    extra = (
        np.unique(table.index_at_time(np.asarray(extra_times, dtype=np.float64)))
        if len(extra_times)
        else np.empty(0, np.int64)
    )
    source_of: dict[int, str] = {int(i): "grid" for i in grid}
    for i in extra:
        source_of.setdefault(int(i), "subtitle")
    audio_of: dict[int, tuple[float, bool]] = {}
    if len(audio_events):
        a_idx = table.index_at_time(np.asarray([a[0] for a in audio_events], dtype=np.float64))
        for i, (_t, strength, trans) in zip(a_idx.tolist(), audio_events):
            audio_of[int(i)] = (float(strength), bool(trans))
            source_of[int(i)] = "audio"
    targets = np.array(sorted(source_of), dtype=np.int64)

    tw, th = display_size(info, thumb_side)
    idx_out: list[int] = []
    time_out: list[float] = []
    src_out: list[str] = []
    thumbs: list[np.ndarray] = []
    change_out: list[float] = []
    event_ordinal: list[int] = []
    settle_at: dict[int, int] = {}
    settle_frames = max(1, int(round(cfg.settle_s * info.fps)))
    scanner = _EventScanner(info.fps, cfg) if events else None
    tcfg = TextScanConfig() if text_scan is True else (text_scan or None)
    texts = _TextScanner(info.fps, tcfg, int(info.rotation)) if events and tcfg is not None else None
    region_out: list[Region | None] = []
    region_of_event: dict[int, Region | None] = {}
    text_found = 0
    total = len(table)
    decoded = 0
    found_targets = 0
    plan = plan_reads(table, None if events else targets)

    def keep(
        idx: int, t: float, frame: av.VideoFrame, src: str, strength: float, ordinal: int, region: Region | None = None
    ) -> None:
        region_out.append(region)
        idx_out.append(idx)
        time_out.append(t)
        src_out.append(src)
        change_out.append(strength)
        event_ordinal.append(ordinal)
        thumbs.append(to_rgb(frame, info, thumb_side))
        for tap in taps:
            tap.offer(idx, t, frame, strength, src, region)

    used: list[DecodeDevice] = []
    for idx, frame in iter_decoded(
        path,
        table,
        None if events else targets,
        device=device,
        on_device=used.append,
        audio_sink=audio_sink,
        fast_b_frames=True,
    ):
        decoded += 1
        t = float(table.time[idx])
        strength = 0.0
        ordinal = -1
        if scanner is not None:
            strength = scanner.step(frame, t)
            if strength > 0:
                ordinal = len(scanner.transient) - 1
                settle_at[idx + settle_frames] = ordinal
                last = scanner.last_region
                region_of_event[ordinal] = _upright(last, int(info.rotation)) if last is not None else None
        text_region = texts.step(frame, t) if texts is not None else None
        if idx in source_of:
            found_targets += 1
        if strength > 0:
            keep(idx, t, frame, "event", strength, ordinal, region_of_event.get(ordinal))
        elif idx in settle_at:
            o = settle_at.pop(idx)
            keep(idx, t, frame, "event", 0.0, o, text_region or region_of_event.get(o))
        elif text_region is not None:
            # new text-like detail: a candidate (and an OCR screening) of its own, whatever
            # grid/audio/subtitle target this frame also is
            text_found += 1
            keep(idx, t, frame, "event", 0.0, -1, text_region)
        elif idx in audio_of:
            keep(idx, t, frame, "audio", audio_of[idx][0], -1)
        elif idx in source_of:
            keep(idx, t, frame, source_of[idx], 0.0, -1)
        if progress is not None and (decoded % 64 == 0):
            progress(idx + 1, total)
    if progress is not None:
        progress(total, total)

    n = len(idx_out)
    transient = np.zeros(n, dtype=bool)
    if scanner is not None:
        for k, o in enumerate(event_ordinal):
            if o >= 0:
                transient[k] = scanner.transient.get(o, False)
    for k, (i, src) in enumerate(zip(idx_out, src_out)):
        if src == "audio":
            transient[k] = audio_of[i][1]
    notes: list[str] = []
    # A GPU asked for by name and not used is worth a note; "auto" on a machine without one is not.
    if used and used[0].note and used[0].requested != "auto":
        notes.append(used[0].note)
    missing = len(targets) - found_targets
    if missing > 0:
        notes.append(f"{missing} candidate frames could not be decoded (damaged or truncated video)")
    region = np.full((n, 4), np.nan, dtype=np.float32)
    for k, r in enumerate(region_out):
        if r is not None:
            region[k] = r
    if n == 0:
        thumbs_arr = np.zeros((0, th, tw, 3), dtype=np.uint8)
    else:
        thumbs_arr = np.stack(thumbs)
    return CandidateSet(
        index=np.asarray(idx_out, dtype=np.int64),
        time=np.asarray(time_out, dtype=np.float64),
        source=np.asarray(src_out, dtype="<U8"),
        thumbs=thumbs_arr,
        change=np.asarray(change_out, dtype=np.float32),
        transient=transient,
        plan=plan,
        frames_decoded=decoded,
        events_scanned=events,
        events_found=int(sum(1 for c, s in zip(change_out, src_out) if c > 0 and s == "event")),
        audio_events=int(sum(1 for s in src_out if s == "audio")),
        notes=notes,
        decode_device=used[0].used if used else "cpu",
        region=region,
        text_events=text_found,
    )


def add_late_candidates(
    cands: CandidateSet,
    path: str | os.PathLike,
    info: VideoInfo,
    table: FrameTable,
    *,
    extra_times: Sequence[float] = (),
    audio_events: Sequence[tuple[float, float, bool]] = (),
    thumb_side: int = 64,
    taps: Sequence[CandidateTap] = (),
    device: str = "cpu",
) -> tuple[CandidateSet, np.ndarray]:
    """Candidates known only after the pass (sound onsets and speech cues heard in it), merged in.

    The same rules as inside :func:`extract_candidates`: the frame on screen at an onset becomes
    an ``"audio"`` candidate (a grid or cue frame already kept is relabelled; a visual event keeps
    its source), one at an ``extra_times`` entry a ``"subtitle"`` candidate. Frames not kept yet
    are decoded by :func:`~framesift.video.decode.iter_decoded` (a handful of targets: it seeks)
    and offered to ``taps``. Returns the merged set (time order) and ``order``: position ``k`` of
    the result is position ``order[k]`` of the old candidates followed by the new ones in time
    order (for taps that store per position, e.g. the model-size images).
    """
    have = {int(i): k for k, i in enumerate(cands.index.tolist())}
    source = cands.source.astype("<U8").copy()
    change = cands.change.copy()
    transient = cands.transient.copy()
    new: dict[int, tuple[str, float, bool]] = {}
    if len(extra_times):
        for i in np.unique(table.index_at_time(np.asarray(extra_times, dtype=np.float64))).tolist():
            if int(i) not in have:
                new.setdefault(int(i), ("subtitle", 0.0, False))
    if len(audio_events):
        a_idx = table.index_at_time(np.asarray([a[0] for a in audio_events], dtype=np.float64))
        for i, (_t, strength, trans) in zip(a_idx.tolist(), audio_events):
            k = have.get(int(i))
            if k is None:
                new[int(i)] = ("audio", float(strength), bool(trans))
            elif source[k] in ("grid", "subtitle", "audio"):
                source[k], change[k], transient[k] = "audio", float(strength), bool(trans)
    idx_new: list[int] = []
    thumbs_new: list[np.ndarray] = []
    if new:
        for idx, frame in iter_decoded(path, table, np.array(sorted(new), dtype=np.int64), device=device):
            src, strength, _trans = new[idx]
            t = float(table.time[idx])
            idx_new.append(idx)
            thumbs_new.append(to_rgb(frame, info, thumb_side))
            for tap in taps:
                tap.offer(idx, t, frame, strength, src)
    notes = list(cands.notes)
    if len(idx_new) < len(new):
        notes.append(f"{len(new) - len(idx_new)} candidate frames could not be decoded (damaged or truncated video)")
    index = np.concatenate([cands.index, np.asarray(idx_new, dtype=np.int64)])
    order = np.argsort(index, kind="stable")
    thumbs = np.concatenate([cands.thumbs, np.stack(thumbs_new)]) if thumbs_new else cands.thumbs
    source = np.concatenate([source, np.asarray([new[i][0] for i in idx_new], dtype="<U8")])
    merged = CandidateSet(
        index=index[order],
        time=np.concatenate([cands.time, table.time[np.asarray(idx_new, dtype=np.int64)].astype(np.float64)])[order],
        source=source[order],
        thumbs=thumbs[order],
        change=np.concatenate([change, np.asarray([new[i][1] for i in idx_new], dtype=np.float32)])[order],
        transient=np.concatenate([transient, np.asarray([new[i][2] for i in idx_new], dtype=bool)])[order],
        plan=cands.plan,
        frames_decoded=cands.frames_decoded + len(idx_new),
        events_scanned=cands.events_scanned,
        events_found=cands.events_found,
        audio_events=int(np.sum(source == "audio")),
        notes=notes,
        decode_device=cands.decode_device,
        # frames added here are sound onsets and speech cues: no changed region of their own
        region=None
        if cands.region is None
        else np.concatenate([cands.region, np.full((len(idx_new), 4), np.nan, np.float32)])[order],
        text_events=cands.text_events,
    )
    return merged, order
