"""A rolling on-disk copy of the stream, so older picks can be fetched at full resolution.

The memory keeps small images only. With a buffer directory the reader also writes the video
packets it received (no re-encoding: a packet copy, about the stream's own bitrate) into
MPEG-TS segments of about ``segment_s`` seconds, each starting at a keyframe, and deletes
segments older than ``buffer_s``. A pick inside the buffered time is decoded again from its
segment at full resolution. Segments also start afresh when timestamps restart; each segment
learns its pts -> stream time offset from the first frame the reader decoded out of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

__all__ = ["SegmentBuffer"]


@dataclass
class _Segment:
    path: Path
    pts_first: float
    pts_last: float
    offset: float | None = None  # stream time = pts + offset, once a frame of it was decoded

    def holds(self, pts: float) -> bool:
        return self.pts_first - 1e-6 <= pts <= self.pts_last + 1e-6

    @property
    def span(self) -> tuple[float, float] | None:
        if self.offset is None:
            return None
        return self.pts_first + self.offset, self.pts_last + self.offset


class SegmentBuffer:
    """Segments of the last ``buffer_s`` seconds under ``directory`` (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike, *, buffer_s: float = 600.0, segment_s: float = 10.0) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.buffer_s = buffer_s
        self.segment_s = segment_s
        self.segments: list[_Segment] = []
        self._out: av.container.OutputContainer | None = None
        self._out_stream = None
        self._count = 0
        self.bytes_written = 0

    def write(self, packet: av.Packet, template) -> None:
        """Append a video packet (after it was decoded: muxing rescales its timestamps)."""
        if packet.pts is None or packet.size == 0:
            return
        pts = float(packet.pts * packet.time_base)
        cur = self.segments[-1] if self.segments and self._out is not None else None
        restart = cur is not None and pts < cur.pts_last - 1e-6
        if cur is None or restart or (packet.is_keyframe and pts - cur.pts_first >= self.segment_s):
            self._rotate(pts, template)
            cur = self.segments[-1]
        assert self._out is not None
        self.bytes_written += packet.size
        packet.stream = self._out_stream
        try:
            self._out.mux(packet)
        except av.error.FFmpegError:
            return  # a packet the muxer refuses (damaged timestamps): the segment goes on without it
        cur.pts_last = max(cur.pts_last, pts)

    def _rotate(self, pts: float, template) -> None:
        self._close_current()
        path = self.dir / f"segment-{self._count:06d}.ts"
        self._count += 1
        self._out = av.open(str(path), "w", format="mpegts")
        self._out_stream = self._out.add_stream_from_template(template)
        self.segments.append(_Segment(path, pts, pts))

    def _close_current(self) -> None:
        if self._out is not None:
            try:
                self._out.close()
            except av.error.FFmpegError:
                pass
            self._out = None

    def note_frame(self, pts: float | None, t: float) -> None:
        """The reader placed a frame with presentation time ``pts`` at stream time ``t``."""
        if pts is None:
            return
        for seg in reversed(self.segments[-3:]):
            if seg.offset is None and seg.holds(pts):
                seg.offset = t - pts
                break
        # Forget what fell out of the window (never the segment being written).
        while len(self.segments) > 1:
            span = self.segments[0].span
            if span is None or span[1] >= t - self.buffer_s:
                break
            self.segments.pop(0).path.unlink(missing_ok=True)

    def covers(self, t: float) -> bool:
        return any(s.span is not None and s.span[0] - 0.5 <= t <= s.span[1] + 0.5 for s in self.segments)

    def fetch(self, t: float) -> np.ndarray | None:
        """Full-resolution RGB of the buffered frame nearest stream time ``t`` (None if not buffered)."""
        best, gap = None, None
        for seg in list(self.segments):
            span, offset = seg.span, seg.offset
            if span is None or offset is None or not (span[0] - 0.5 <= t <= span[1] + 0.5):
                continue
            try:
                with av.open(str(seg.path)) as c:
                    for fr in c.decode(c.streams.video[0]):
                        if fr.time is None:
                            continue
                        d = abs(fr.time + offset - t)
                        if gap is None or d < gap:
                            best, gap = fr.to_ndarray(format="rgb24"), d
                        elif fr.time + offset > t:
                            break  # past the target: frames only get farther from here
            except (av.error.FFmpegError, OSError):
                continue  # the segment being written may end mid-packet, or was just deleted
        return best

    def close(self) -> None:
        self._close_current()
