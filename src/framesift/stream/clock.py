"""Stream time: seconds since the first frame, true across timestamp restarts and stalls.

Live sources do not keep one clean timeline: an encoder restarts and its timestamps start again
at 0, MPEG-TS timestamps wrap after 26.5 hours, a relay re-stamps after a reconnect. Content time
follows the presentation timestamps (pts) while they behave; when they jump backwards, or
forwards by more than ``max_jump_s`` (no honest gap is that long), the clock re-anchors: the next
frame is placed one frame interval after the last one, plus the wall-clock gap when the source
was silent for longer than ``stall_s`` (a camera that reconnected after 20 s really was away
for 20 s). Forward gaps below ``max_jump_s`` are kept as they are: dropped packets leave holes
in the content and the pts say exactly how long.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["StreamClock", "Placement"]


@dataclass(frozen=True)
class Placement:
    """Where one frame landed: its stream time and, when the timeline broke, why."""

    time: float
    discontinuity: str | None = None  # "restart" (pts went back) or "jump" (pts leapt forward)
    pts_gap: float = 0.0


class StreamClock:
    """Maps frame pts (seconds, may be None) and arrival wall time to continuous stream time."""

    def __init__(self, *, max_jump_s: float = 60.0, stall_s: float = 2.0, default_interval: float = 1 / 25) -> None:
        self.max_jump_s = max_jump_s
        self.stall_s = stall_s
        self.offset: float | None = None  # stream time = pts + offset
        self.last_time: float | None = None
        self.last_wall: float | None = None
        self._intervals: deque[float] = deque(maxlen=32)
        self._default_interval = default_interval
        self.discontinuities = 0

    @property
    def interval(self) -> float:
        """The typical frame interval so far (median of the last frames)."""
        if not self._intervals:
            return self._default_interval
        vals = sorted(self._intervals)
        return vals[len(vals) // 2]

    def place(self, pts_s: float | None, wall: float) -> Placement:
        """Stream time of a frame with presentation time ``pts_s`` that arrived at ``wall``."""
        if self.last_time is None:
            self.offset = -(pts_s or 0.0)
            self.last_time, self.last_wall = 0.0, wall
            return Placement(0.0)
        assert self.offset is not None and self.last_wall is not None
        step = self.interval
        placement: Placement
        if pts_s is None:  # no timestamp: assume the usual frame interval
            placement = Placement(self.last_time + step)
        else:
            t = pts_s + self.offset
            gap = t - self.last_time
            if gap <= 1e-6 or gap > self.max_jump_s:
                silent = wall - self.last_wall
                t_new = self.last_time + step + (silent if silent > self.stall_s else 0.0)
                self.offset = t_new - pts_s
                self.discontinuities += 1
                placement = Placement(t_new, "restart" if gap <= 1e-6 else "jump", gap)
            else:
                if gap < 4 * max(step, 1e-3) or len(self._intervals) < 3:
                    self._intervals.append(gap)  # not a hole from dropped frames
                placement = Placement(t)
        self.last_time, self.last_wall = placement.time, wall
        return placement

    def time_of_pts(self, pts_s: float) -> float:
        """Stream time of another stream's timestamp (subtitles, audio) on the current anchor."""
        return pts_s + (self.offset or 0.0)
