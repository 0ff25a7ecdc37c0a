"""The ground truth of a synthetic video: its needles (what answers which question, and when) and
where everything is on its timeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

NeedleKind = Literal["text", "subtitle", "flash", "speech"]
_KINDS = ("text", "subtitle", "flash", "speech")

# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needle:
    """One moment that answers one question.

    ``start``/``end`` are seconds on the video's timeline (``end`` exclusive); ``content`` is the
    on-screen text, the subtitle line, or a description of the flash; ``question`` asks for it
    in other words.
    """

    kind: NeedleKind
    start: float
    end: float
    content: str
    question: str

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown needle kind {self.kind!r} (expected one of {_KINDS})")
        if not (self.end > self.start >= 0):
            raise ValueError(f"needle span must satisfy 0 <= start < end, got {self.start}..{self.end}")


@dataclass
class SynthVideo:
    """What :func:`make_video` wrote, and the ground truth needed to score a frame selector."""

    path: Path
    subtitles: Path | None
    duration: float
    fps: float
    width: int
    height: int
    needles: list[Needle]
    shots: list[tuple[float, float, str]]  # (start, end, kind of shot), e.g. "footage:bikes"
    num_frames: int = 0
    gop: int = 250
    seed: int = 0
    # Persistent distractor text: (start, end, text) -- text that is on screen but answers nothing.
    overlays: list[tuple[float, float, str]] = field(default_factory=list)
    # Everything said in the audio track: (start, end, text) -- filler talk and speech needles.
    speech: list[tuple[float, float, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Ground truth as a JSON-ready dict; file names are relative to the truth file's folder."""
        return {
            "video": self.path.name,
            "subtitles": self.subtitles.name if self.subtitles else None,
            "duration": self.duration,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "num_frames": self.num_frames,
            "gop": self.gop,
            "seed": self.seed,
            "needles": [asdict(n) for n in self.needles],
            "shots": [{"start": s, "end": e, "kind": k} for s, e, k in self.shots],
            "overlays": [{"start": s, "end": e, "text": t} for s, e, t in self.overlays],
            "speech": [{"start": s, "end": e, "text": t} for s, e, t in self.speech],
        }
