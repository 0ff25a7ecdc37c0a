"""Probe a video: container facts plus a per-frame table read from packets (no decoding).

The frame table is the ground truth for "original frame index" and "time" throughout framesift:
frame ``i`` is the i-th frame in presentation order, i.e. the i-th smallest packet pts of the
video stream, and its time is that pts in seconds. Reading packets (demuxing) is ~100x cheaper
than decoding, gives exact frame counts where headers lie (Matroska stream copies, truncated
files), gives true times for variable-frame-rate video, and yields the keyframe positions the
sparse decoder plans its seeks with, plus packet sizes (a compressed-domain change signal).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import InputError, VideoError
from ..limits import check_regular_file
from .remote import is_url, open_url, require_ranges

__all__ = ["FrameTable", "SubtitleStreamInfo", "VideoInfo", "probe", "open_container"]


@dataclass(frozen=True)
class SubtitleStreamInfo:
    """A subtitle stream inside the container."""

    index: int
    codec: str
    language: str | None


@dataclass(frozen=True)
class FrameTable:
    """Every frame of the video stream in presentation order, from packet headers.

    Arrays all have shape ``(num_frames,)``: ``pts`` in stream time-base units (int64, sorted),
    ``time`` in seconds (float64), ``keyframe`` (bool) and ``size`` (packet bytes, int64).
    """

    pts: np.ndarray
    time: np.ndarray
    keyframe: np.ndarray
    size: np.ndarray
    time_base: Fraction

    def __len__(self) -> int:
        return int(self.pts.shape[0])

    def index_of_pts(self, pts: int | None, fallback: int) -> int:
        """Original index of a decoded frame with this pts (nearest entry; ``fallback`` if None)."""
        if pts is None or len(self) == 0:
            return fallback
        i = int(np.searchsorted(self.pts, pts))
        if i >= len(self):
            return len(self) - 1
        if i > 0 and abs(int(self.pts[i - 1]) - pts) < abs(int(self.pts[i]) - pts):
            return i - 1
        return i

    def index_at_time(self, t: float | np.ndarray) -> np.ndarray:
        """Index of the frame on screen at time ``t`` seconds (the last frame starting at or before t)."""
        idx = np.searchsorted(self.time, np.asarray(t, dtype=np.float64), side="right") - 1
        return np.clip(idx, 0, max(len(self) - 1, 0))

    def keyframe_before(self, index: int) -> int:
        """Index of the last keyframe at or before ``index`` (0 if none is marked)."""
        keys = np.flatnonzero(self.keyframe[: index + 1])
        return int(keys[-1]) if keys.size else 0


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, as far as framesift needs to know.

    ``width``/``height`` are the *display* size: stored size corrected for non-square pixels
    (sample aspect ratio) and rotated by the display matrix. ``duration`` runs from the first
    frame's time to the end of the last frame. ``fps`` is the average rate (frames/duration when
    the header has none).
    """

    path: str
    duration: float
    fps: float
    width: int
    height: int
    num_frames: int
    start_time: float
    rotation: int
    sample_aspect_ratio: Fraction
    coded_width: int
    coded_height: int
    codec: str
    is_vfr: bool
    keyframes: int
    has_audio: bool
    subtitle_streams: tuple[SubtitleStreamInfo, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "duration": round(self.duration, 6),
            "fps": round(self.fps, 6),
            "width": self.width,
            "height": self.height,
            "num_frames": self.num_frames,
            "start_time": round(self.start_time, 6),
            "rotation": self.rotation,
            "sample_aspect_ratio": f"{self.sample_aspect_ratio.numerator}:{self.sample_aspect_ratio.denominator}",
            "coded_width": self.coded_width,
            "coded_height": self.coded_height,
            "codec": self.codec,
            "vfr": self.is_vfr,
            "keyframes": self.keyframes,
            "has_audio": self.has_audio,
            "subtitle_streams": [s.__dict__ for s in self.subtitle_streams],
            "warnings": list(self.warnings),
        }


def open_container(path: str | os.PathLike) -> av.container.InputContainer:
    """Open a media file, turning every way it can fail into one readable :class:`VideoError`.

    An ``http(s)://`` URL is read in place with range requests (:mod:`framesift.video.remote`).
    """
    if is_url(path):
        return open_url(str(path))
    p = Path(path)
    try:
        # Before FFmpeg opens it: a FIFO would block and a device would never end.
        st = check_regular_file(p, "video file")
    except InputError as exc:
        raise VideoError(str(exc)) from None
    if st.st_size == 0:
        raise VideoError(f"{p}: file is empty")
    try:
        return av.open(str(p), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoError(f"{p}: not a readable video ({_short(exc)})") from exc


def _short(exc: BaseException) -> str:
    """FFmpeg's reason in words ("Invalid data found when processing input"), without its errno
    (``[Errno 1094995529]`` is a four-character code that means nothing to a person) or the path."""
    if isinstance(exc, av.error.FFmpegError):
        text = exc.strerror or str(exc).split(":")[0]
        text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(text))
    else:
        text = str(exc)
    return text.strip() or type(exc).__name__


def _rotation_of(container: av.container.InputContainer, stream: av.VideoStream) -> tuple[int, bool]:
    """Display rotation (degrees counter-clockwise, multiple of 90) from the first decodable frame.

    Decoding one frame also proves the stream is decodable at all.
    """
    try:
        for frame in container.decode(stream):
            rot = int(round(float(getattr(frame, "rotation", 0) or 0) / 90.0)) * 90
            return rot % 360, True
    except av.error.FFmpegError:
        pass
    return 0, False


def _read_packets(container: av.container.InputContainer, stream: av.VideoStream) -> tuple[list, list, list, bool]:
    pts: list[int | None] = []
    key: list[bool] = []
    size: list[int] = []
    truncated = False
    try:
        for pkt in container.demux(stream):
            if pkt.size == 0:  # the flush packet demux() yields at the end
                continue
            pts.append(pkt.pts if pkt.pts is not None else pkt.dts)
            key.append(bool(pkt.is_keyframe))
            size.append(int(pkt.size))
    except av.error.FFmpegError:
        # A truncated or damaged tail: keep what was readable.
        truncated = True
    return pts, key, size, truncated


def _header_seconds(
    container: av.container.InputContainer, stream: av.VideoStream, tb: Fraction
) -> tuple[float | None, float | None]:
    """The duration the container header and the stream header claim (None where absent or absurd)."""
    cont = container.duration / 1_000_000 if container.duration and container.duration > 0 else None
    strm = float(stream.duration * tb) if stream.duration and stream.duration > 0 else None
    return cont, strm


#: A gap between packet times this many typical frame intervals wide (and at least this many
#: seconds) splits the timeline: what lies across it is a damaged timestamp, not video.
_GAP_FRAMES, _GAP_MIN_S = 50.0, 10.0


def _cross_check(
    pts: np.ndarray,
    times: np.ndarray,
    key: np.ndarray,
    size: np.ndarray,
    tb: Fraction,
    headers: tuple[float | None, float | None],
    warnings: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cross-check packet times against each other and against the container and stream headers.

    A damaged sample table (mp4 ``stts``/``ctts``/``elst`` in the ``moov``) shows in two ways:

    * a few packets far from all the others (a start of -132,435 s, an end days away): the
      longest run of packets without such a gap is the video, the rest are dropped;
    * evenly wrong spacing (every frame 1 s apart in a 3 s file): when the container and the
      stream header agree with each other and the packets span more than twice what they say,
      the packet times keep their order and are scaled onto the headers' duration (``pts``
      stay as stored: decoded frames are found in the table by them).

    Both come with a warning; times are otherwise exactly what the packets say.
    """
    n = len(times)
    if n > 2:
        deltas = np.diff(times)
        typical = float(np.median(deltas[deltas > 0])) if np.any(deltas > 0) else 0.0
        limit = max(_GAP_MIN_S, _GAP_FRAMES * typical)
        cuts = np.flatnonzero(deltas > limit)
        if cuts.size:
            bounds = np.concatenate([[0], cuts + 1, [n]])
            lengths = np.diff(bounds)
            k = int(np.argmax(lengths))
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            dropped = n - (hi - lo)
            warnings.append(f"{dropped} packets carry timestamps far from the others (damaged index?) and were ignored")
            pts, times, key, size = pts[lo:hi], times[lo:hi], key[lo:hi], size[lo:hi]
            n = len(times)
    cont, strm = headers
    if n > 1 and cont and strm and abs(cont - strm) <= 0.25 * max(cont, strm):
        claimed = max(cont, strm)
        span = float(times[-1] - times[0]) * n / (n - 1)
        if span > 2.0 * claimed + 1.0:
            scale = claimed / span
            # Only the times: decoded frames are matched to the table by their (damaged) pts.
            times = times[0] + (times - times[0]) * scale
            warnings.append(
                f"packet timestamps span {span:.1f} s but the container and stream say {claimed:.1f} s "
                "(damaged index?); frame times were scaled to fit"
            )
    return pts, times, key, size


def probe(path: str | os.PathLike) -> tuple[VideoInfo, FrameTable]:
    """Read a video's facts and its frame table. Costs one demux pass and one decoded frame.

    Raises :class:`VideoError` for a missing, empty, unreadable or audio-only file.
    """
    p = str(path) if is_url(path) else Path(path)  # Path() would fold "http://" into "http:/"
    if isinstance(p, str):
        require_ranges(p)  # once per probe: a server without ranges cannot be read in place
    container = open_container(p)
    try:
        if not container.streams.video:
            kinds = sorted({str(s.type) for s in container.streams}) or ["none"]
            raise VideoError(f"{p}: no video stream (streams: {', '.join(kinds)})")
        stream = container.streams.video[0]
        tb = stream.time_base or Fraction(1, 90000)
        warnings: list[str] = []

        rotation, decodable = _rotation_of(container, stream)
        if not decodable:
            raise VideoError(f"{p}: the video stream has no decodable frame")
        try:
            container.seek(0)
        except av.error.FFmpegError:
            container.close()
            container = open_container(p)
            stream = container.streams.video[0]
        raw_pts, raw_key, raw_size, truncated = _read_packets(container, stream)
        if truncated:
            warnings.append("file is truncated or damaged; frames after the damage are ignored")
        if not raw_pts:
            raise VideoError(f"{p}: the video stream has no frames")

        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        header_fps = float(rate) if rate else 0.0
        if any(v is None for v in raw_pts):
            # No timestamps at all (raw elementary streams): fall back to a constant rate.
            step = 1.0 / header_fps if header_fps > 0 else 1.0 / 25.0
            warnings.append("packets carry no timestamps; frame times assume a constant frame rate")
            pts_arr = np.round(np.arange(len(raw_pts)) * step / float(tb)).astype(np.int64)
            key_arr = np.asarray(raw_key, dtype=bool)
            size_arr = np.asarray(raw_size, dtype=np.int64)
        else:
            pts_arr = np.asarray(raw_pts, dtype=np.int64)
            order = np.argsort(pts_arr, kind="stable")  # decode order -> presentation order
            pts_arr = pts_arr[order]
            key_arr = np.asarray(raw_key, dtype=bool)[order]
            size_arr = np.asarray(raw_size, dtype=np.int64)[order]
            # Duplicate pts (broken muxers) would make index <-> time ambiguous: keep the first.
            keep = np.concatenate([[True], np.diff(pts_arr) > 0])
            if not keep.all():
                warnings.append(f"{int((~keep).sum())} packets with duplicate timestamps ignored")
                pts_arr, key_arr, size_arr = pts_arr[keep], key_arr[keep], size_arr[keep]
        if not key_arr.any():
            key_arr = key_arr.copy()
            key_arr[0] = True

        times = pts_arr.astype(np.float64) * float(tb)
        pts_arr, times, key_arr, size_arr = _cross_check(
            pts_arr, times, key_arr, size_arr, tb, _header_seconds(container, stream, tb), warnings
        )
        n = len(times)
        deltas = np.diff(times)
        if n > 1:
            median_dt = float(np.median(deltas))
            last_dt = median_dt
        else:
            median_dt = 1.0 / header_fps if header_fps > 0 else 0.04
            last_dt = median_dt
        duration = float(times[-1] - times[0] + last_dt)
        fps = (n / duration) if duration > 0 else header_fps
        # VFR: frame intervals that differ by more than a quarter of the typical interval
        # anywhere except rounding noise.
        is_vfr = bool(n > 2 and np.any(np.abs(deltas - median_dt) > 0.25 * median_dt))

        cc = stream.codec_context
        coded_w, coded_h = int(cc.width or stream.width or 0), int(cc.height or stream.height or 0)
        sar = stream.sample_aspect_ratio or cc.sample_aspect_ratio or Fraction(1, 1)
        sar = Fraction(sar) if sar and sar > 0 else Fraction(1, 1)
        disp_w = int(round(coded_w * sar)) if sar != 1 else coded_w
        disp_w += disp_w % 2  # even sizes keep encoders and models happy
        disp_h = coded_h
        if rotation in (90, 270):
            disp_w, disp_h = disp_h, disp_w

        subs = tuple(
            SubtitleStreamInfo(
                index=s.index,
                codec=s.codec_context.name if s.codec_context else "unknown",
                language=(s.metadata or {}).get("language"),
            )
            for s in container.streams.subtitles
        )
        info = VideoInfo(
            path=str(p),
            duration=duration,
            fps=fps,
            width=disp_w,
            height=disp_h,
            num_frames=n,
            start_time=float(times[0]),
            rotation=rotation,
            sample_aspect_ratio=sar,
            coded_width=coded_w,
            coded_height=coded_h,
            codec=cc.name if cc else "unknown",
            is_vfr=is_vfr,
            keyframes=int(key_arr.sum()),
            has_audio=bool(container.streams.audio),
            subtitle_streams=subs,
            warnings=tuple(warnings),
        )
        table = FrameTable(pts=pts_arr, time=times, keyframe=key_arr, size=size_arr, time_base=Fraction(tb))
        return info, table
    finally:
        container.close()
