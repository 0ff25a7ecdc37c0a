"""Records of a live stream: words with times, what happened to the stream, and chosen frames.

Every time here is a *stream time*: seconds since the stream's first frame, continuous across
timestamp restarts (see :mod:`framesift.stream.clock`), paired with the wall-clock time (Unix
seconds) at which that moment was received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..frame import SelectedFrame

__all__ = ["Words", "StreamEvent", "StreamFrame", "StreamSelection", "EventKind", "WordSource"]

WordSource = Literal["subtitle", "ocr", "speech"]
EventKind = Literal[
    "start", "stall", "resume", "discontinuity", "resolution", "decode_error", "reconnect", "end", "error", "watch"
]


@dataclass(frozen=True)
class Words:
    """Text said or shown from ``start`` to ``end`` (stream seconds).

    ``index`` is the frame the text was read from (OCR), -1 for subtitles and speech.
    """

    start: float
    end: float
    text: str
    source: WordSource
    index: int = -1

    @property
    def mid(self) -> float:
        return 0.5 * (self.start + self.end)

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text, "source": self.source}


@dataclass(frozen=True)
class StreamEvent:
    """Something the stream reports: a stall, a timestamp restart, a resolution change, a watch hit...

    ``time`` is the stream time it refers to, ``wall`` the wall clock when it was noticed,
    ``message`` one line for people, ``data`` the details for programs.
    """

    kind: EventKind
    time: float
    wall: float
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "time": round(self.time, 3),
            "wall": round(self.wall, 3),
            "message": self.message,
        } | ({"data": self.data} if self.data else {})


@dataclass
class StreamFrame(SelectedFrame):
    """A frame chosen from a stream's memory.

    ``index`` counts decoded frames since the stream started; ``time`` is its stream time and
    ``wall`` the wall clock when it arrived. ``level`` says where it came from: ``recent`` (the
    full-rate window), ``moment`` (an event or text frame kept inside an older span) or ``span``
    (the representative of an older span, standing for ``span[0]..span[1]``). ``image`` is the
    stored image (the memory's ``image_side``), not a full-resolution decode.
    """

    wall: float = 0.0
    span: tuple[float, float] | None = None
    level: str = "recent"

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["wall"] = round(self.wall, 3)
        out["level"] = self.level
        if self.span is not None:
            out["span"] = [round(self.span[0], 3), round(self.span[1], 3)]
        return out


@dataclass
class StreamSelection:
    """The answer to :meth:`Stream.select`: frames in time order from the whole history so far."""

    query: str
    strategy: str
    budget: int
    frames: list[StreamFrame]
    #: stream time and wall clock of the newest frame in memory when the selection was made
    at: float
    wall: float
    memory: dict[str, Any]
    signals: dict[str, Any]
    notes: list[str]
    timings: dict[str, float]

    @property
    def times(self) -> list[float]:
        return [f.time for f in self.frames]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (the stream counterpart of the manifest)."""
        return {
            "schema_version": 1,
            "kind": "stream_selection",
            "query": self.query,
            "strategy": self.strategy,
            "budget": self.budget,
            "at": round(self.at, 3),
            "wall": round(self.wall, 3),
            "frames": [f.to_dict() for f in self.frames],
            "memory": self.memory,
            "signals": self.signals,
            "notes": list(self.notes),
            "timings": self.timings,
        }
