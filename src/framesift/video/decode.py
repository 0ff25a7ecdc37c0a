"""Sparse decoding with PyAV: one sequential pass or per-GOP seeks, whichever decodes less.

Codecs can only start decoding at a keyframe, so the cost of reading frame ``i`` is the number
of frames between the preceding keyframe and ``i``. For dense targets (1 fps candidates of a
video with 8 s GOPs) every GOP has a target and one sequential pass is cheapest (seeking also
flushes the decoder and re-reads the GOP head); for a handful of targets (the final full
resolution fetch) seeking is 10-30x cheaper. :func:`plan_reads` counts the decoded frames both
ways from the frame table and picks the smaller, so no caller has to guess.

Frames are converted (scaled, RGB, rotated) only when a caller asks for them, and the scaling
happens inside FFmpeg's swscale, which is far cheaper than converting full frames to numpy first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from ..devices import check_device
from .probe import FrameTable, VideoInfo, open_container

__all__ = [
    "DecodeDevice",
    "ReadPlan",
    "display_size",
    "iter_decoded",
    "open_decoder",
    "plan_reads",
    "reformat",
    "to_rgb",
    "will_feed_audio",
]

#: Seeking resets the decoder and re-reads from the keyframe; count it as this many decoded frames.
_SEEK_OVERHEAD_FRAMES = 8


@dataclass(frozen=True)
class ReadPlan:
    """How :func:`iter_decoded` will read: ``mode`` and the number of frames it expects to decode."""

    mode: Literal["sequential", "seek"]
    frames_to_decode: int
    seeks: int


def plan_reads(table: FrameTable, targets: np.ndarray | None) -> ReadPlan:
    """Choose sequential or seeking reads for ``targets`` (sorted original indices, or None = all)."""
    n = len(table)
    if targets is None or len(targets) == 0:
        return ReadPlan("sequential", n, 0)
    targets = np.unique(np.asarray(targets, dtype=np.int64))
    last = int(targets[-1])
    sequential_cost = last + 1
    key_idx = np.flatnonzero(table.keyframe)
    # Keyframe at or before each target; targets sharing a GOP are read in one go.
    gop_start = key_idx[np.searchsorted(key_idx, targets, side="right") - 1]
    seek_cost = 0
    seeks = 0
    prev_end = -1
    for start in np.unique(gop_start):
        end = int(targets[gop_start == start][-1])
        if start <= prev_end:  # already decoding through this GOP
            seek_cost += end - prev_end
        else:
            seek_cost += end - int(start) + 1 + _SEEK_OVERHEAD_FRAMES
            seeks += 1
        prev_end = end
    if seek_cost < sequential_cost:
        return ReadPlan("seek", int(seek_cost), seeks)
    return ReadPlan("sequential", int(sequential_cost), 0)


#: Per process: why hardware decoding could not start (a failed device is not retried per file).
_HW_FAILED: dict[str, str] = {}


@dataclass
class DecodeDevice:
    """Where a decode pass ran: ``used`` is ``"cpu"`` or ``"cuda[:N]"`` (NVDEC through FFmpeg's
    CUDA hwaccel), ``note`` says why a requested GPU was not used (None when it was, or for cpu)."""

    requested: str
    used: str
    note: str | None = None


def _nvidia_present() -> bool:
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia/version")


def _open_hw(path: str, device: str):
    from av.codec.hwaccel import HWAccel

    index = device.split(":")[1] if ":" in device else None
    return av.open(
        path,
        mode="r",
        metadata_errors="ignore",
        hwaccel=HWAccel("cuda", device=index, allow_software_fallback=True),
    )


def open_decoder(
    path: str | os.PathLike, device: str = "cpu", open_hw=_open_hw
) -> tuple[av.container.InputContainer, DecodeDevice]:
    """Open ``path`` for decoding on ``device`` (``cpu``, ``auto``, ``cuda[:N]``).

    For ``auto`` and ``cuda`` NVDEC is tried through PyAV's hardware acceleration (frames are
    copied back to system memory, so every consumer works unchanged). When FFmpeg cannot create
    the CUDA device (no GPU, no driver, an FFmpeg build without it) or the codec has no hardware
    decoder, decoding silently falls back to the CPU and the returned :class:`DecodeDevice` says
    why (the caller puts that into the manifest's notes). ``open_hw`` is injectable for tests.
    """
    d = check_device(device)
    if d == "cpu":
        return open_container(path), DecodeDevice(device, "cpu")
    if d in _HW_FAILED:
        return open_container(path), DecodeDevice(device, "cpu", _HW_FAILED[d])
    if d == "auto" and not _nvidia_present():  # nothing to try: no cost on CPU-only machines
        return open_container(path), DecodeDevice(device, "cpu", "no NVIDIA GPU; decoded on the CPU")
    open_container(path).close()  # the usual one-line errors for a missing or unreadable file
    try:
        container = open_hw(str(path), "cuda" if d == "auto" else d)
    except (av.error.FFmpegError, OSError, ValueError, NotImplementedError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        _HW_FAILED[d] = f"NVDEC unavailable ({reason}); decoded on the CPU"
        return open_container(path), DecodeDevice(device, "cpu", _HW_FAILED[d])
    ctx = container.streams.video[0].codec_context if container.streams.video else None
    if ctx is not None and not getattr(ctx, "is_hwaccel", True):
        name = getattr(ctx, "name", "this codec")
        return container, DecodeDevice(device, "cpu", f"no hardware decoder for {name}; decoded on the CPU")
    return container, DecodeDevice(device, "cuda" if d == "auto" else d)


def iter_decoded(
    path: str | os.PathLike,
    table: FrameTable,
    targets: np.ndarray | None = None,
    *,
    device: str = "cpu",
    on_device: Callable[[DecodeDevice], None] | None = None,
    audio_sink: Callable[[av.Packet], None] | None = None,
    fast_b_frames: bool = False,
) -> Iterator[tuple[int, av.VideoFrame]]:
    """Yield ``(original_index, frame)`` in time order.

    With ``targets=None`` every frame is yielded (sequential pass). Otherwise only the frames at
    the given original indices, read according to :func:`plan_reads`. Damaged packets are
    skipped; a truncated file ends the iteration early rather than raising. Frames are yielded
    unconverted: call :func:`to_rgb` on the ones you keep, and do not hold on to many of them.
    ``device``: see :func:`open_decoder`; ``on_device`` is told where decoding runs.

    ``audio_sink``: in a sequential pass, the first audio stream's packets are demuxed in the same
    read of the container and handed to it as they come (interleaved with the video, so the audio
    is decoded alongside instead of in a second pass; the sink decodes them), up to the end of the
    file even when the video targets end earlier. A seeking plan never calls it: the caller reads
    the audio on its own then (:func:`will_feed_audio` says which it will be).

    ``fast_b_frames``: skip the deblocking (loop) filter on B-frames, FFmpeg's
    ``skip_loop_filter=bidir``, for passes that look at frames rather than hand them on (the
    candidate scan, its thumbnails and OCR). Deblocking is ~1/5 of H.264 decoding here, and I- and
    P-frames, which the other frames are predicted from, are decoded exactly as before: measured
    1.2x less decode time, I/P frames bit-identical, B-frames >= 46 dB PSNR from the filtered ones
    (benchmarks/bench_decode_overhead.py). Without the filter on every frame errors would build up
    along each GOP (down to 30 dB), so that is not offered.
    """
    want = None if targets is None else set(int(t) for t in np.unique(np.asarray(targets, dtype=np.int64)))
    plan = plan_reads(table, None if want is None else np.fromiter(want, dtype=np.int64))
    container, used = open_decoder(path, device)
    if on_device is not None:
        on_device(used)
    try:
        stream = container.streams.video[0]
        # Frame + slice threading with FFmpeg's own thread count (cores + 1): measured faster
        # than pinning it to the core count on 2 cores.
        stream.thread_type = "AUTO"
        if fast_b_frames:
            stream.codec_context.options = {"skip_loop_filter": "bidir"}
        if plan.mode == "sequential":
            audio = container.streams.audio[0] if audio_sink is not None and container.streams.audio else None
            yield from _sequential(container, stream, table, want, audio, audio_sink)
        else:
            yield from _seeking(container, stream, table, sorted(want or ()))
    finally:
        container.close()


def will_feed_audio(table: FrameTable, targets: np.ndarray | None) -> bool:
    """Whether :func:`iter_decoded` with these targets reads sequentially (and so feeds ``audio_sink``)."""
    return plan_reads(table, targets).mode == "sequential"


def _decode_packets(container, stream, audio=None, audio_sink=None, video_on=None) -> Iterator[av.VideoFrame]:
    """Decode a stream, skipping packets the decoder rejects and stopping at a damaged tail.

    With ``audio`` (a stream) its packets, demuxed in the same read, go to ``audio_sink``; once
    ``video_on[0]`` is False video packets are no longer decoded (only the audio is wanted)."""
    demux = container.demux(stream) if audio is None else container.demux(stream, audio)
    while True:
        try:
            packet = next(demux)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return  # truncated / unreadable tail
        if audio is not None and packet.stream_index == audio.index:
            audio_sink(packet)  # (the empty packet at the end flushes the audio decoder)
            continue
        if video_on is not None and not video_on[0]:
            continue
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            continue  # corrupt packet: the codec recovers at a later frame
        yield from frames


def _sequential(
    container, stream, table: FrameTable, want: set[int] | None, audio=None, audio_sink=None
) -> Iterator[tuple[int, av.VideoFrame]]:
    last = max(want) if want else None
    counter = 0
    prev = -1
    video_on = [True]
    frames = _decode_packets(container, stream, audio, audio_sink, video_on)
    for frame in frames:
        idx = table.index_of_pts(frame.pts, fallback=counter)
        counter += 1
        if idx <= prev:  # decoder repeated or reordered a damaged frame
            continue
        prev = idx
        if want is None or idx in want:
            yield idx, frame
        if last is not None and idx >= last:
            if audio is not None:  # the rest of the file is read for its audio only
                video_on[0] = False
                for _ in frames:
                    pass
            return


def _seeking(container, stream, table: FrameTable, targets: list[int]) -> Iterator[tuple[int, av.VideoFrame]]:
    pending = list(targets)
    decoded_up_to = -1
    frames = None
    while pending:
        target = pending[0]
        key = table.keyframe_before(target)
        if frames is None or key > decoded_up_to:
            # Seek to the keyframe's pts; backward=True lands on it (or an earlier keyframe).
            container.seek(int(table.pts[key]), stream=stream, backward=True, any_frame=False)
            frames = _decode_packets(container, stream)
        got_any = False
        for frame in frames:
            got_any = True
            idx = table.index_of_pts(frame.pts, fallback=decoded_up_to + 1)
            decoded_up_to = max(decoded_up_to, idx)
            while pending and pending[0] < idx:
                pending.pop(0)  # the decoder never produced it (damaged): skip, do not loop
            if pending and idx == pending[0]:
                pending.pop(0)
                yield idx, frame
            if not pending or table.keyframe_before(pending[0]) > decoded_up_to:
                break
        if not got_any:
            # Nothing more to decode after this seek (truncated file): give up on the rest.
            return


def display_size(info: VideoInfo, max_side: int | None) -> tuple[int, int]:
    """Display ``(width, height)`` scaled so the longer side is at most ``max_side`` (even numbers)."""
    w, h = info.width, info.height
    if max_side is not None and max(w, h) > max_side:
        s = max_side / max(w, h)
        w, h = max(2, int(round(w * s / 2)) * 2), max(2, int(round(h * s / 2)) * 2)
    return w, h


_LOCAL = threading.local()


def _reformatter() -> VideoReformatter:
    """This thread's swscale converter. ``frame.reformat`` builds a new swscale context for every
    frame (each decoded frame is a new object): ~1.1 ms, where converting a 360p frame to a
    thumbnail with a reused context costs ~0.1 ms (same pixels; benchmarks/bench_decode_overhead.py).
    One per thread because a context is not safe to share between threads."""
    r = getattr(_LOCAL, "reformatter", None)
    if r is None:
        r = _LOCAL.reformatter = VideoReformatter()
    return r


def _sws_options() -> dict[str, int]:
    """One swscale thread where PyAV takes a thread count (17 and later, whose default is one
    thread per core; see :func:`reformat`)."""
    try:
        major = int(str(av.__version__).split(".")[0])
    except ValueError:
        major = 0
    return {"threads": 1} if major >= 17 else {}


_SWS_OPTIONS = _sws_options()


def reformat(frame: av.VideoFrame, width: int, height: int, fmt: str = "rgb24") -> np.ndarray:
    """``frame`` scaled by swscale (area averaging) to ``width`` x ``height`` in pixel format
    ``fmt``, as an array (no rotation: see :func:`to_rgb`), with this thread's reused context.

    On one thread: PyAV 17+ gives swscale a thread per core by default, and the decode pass
    converts frames to two or three sizes in turn (thumbnail, OCR screen, OCR read), so the
    context and its thread pool were rebuilt at every size change (~400 threads started per 10
    minutes of video). Measured 2.35 ms -> 0.78 ms for the three sizes of a 360p frame, the same
    pixels (benchmarks/bench_decode_overhead.py)."""
    out: np.ndarray = (
        _reformatter()
        .reformat(frame, width=width, height=height, format=fmt, interpolation="AREA", **_SWS_OPTIONS)
        .to_ndarray()
    )
    return out


def to_rgb(
    frame: av.VideoFrame, info: VideoInfo, max_side: int | None = None, fmt: Literal["rgb24", "gray"] = "rgb24"
) -> np.ndarray:
    """Convert a decoded frame to an upright ``(H, W, 3)`` uint8 RGB (or ``(H, W)`` gray) array.

    Corrects non-square pixels and applies the display rotation, so what comes out is what a
    player shows. Scaling is done by swscale with area averaging (no aliasing on downscale).
    """
    out_w, out_h = display_size(info, max_side)
    if info.rotation in (90, 270):
        out_w, out_h = out_h, out_w  # scale in stored orientation, rotate after
    arr = reformat(frame, out_w, out_h, fmt)
    if info.rotation:
        # rotation is counter-clockwise degrees of the display matrix; np.rot90 k>0 is counter-clockwise.
        arr = np.ascontiguousarray(np.rot90(arr, k=info.rotation // 90))
    return arr
