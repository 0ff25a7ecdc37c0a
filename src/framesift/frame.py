"""The lowest records: one chosen frame, and what a token-budgeted selection spent.

Everything above (selection, exporters, servers) names these; they import nothing of
framesift's but the errors, so any layer may use them. Values are checked on creation, so a
record that exists is a record that makes sense (the torchcodec ``_frame.py`` habit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

__all__ = ["SelectedFrame", "TokenSpend"]


@dataclass
class SelectedFrame:
    """One chosen frame: its original index, its time (seconds, from pts) and why it was chosen.

    ``index`` is the frame's position in the decoded stream (never renumbered: models and
    servers turn it into a time as ``index / fps``); ``time`` is its presentation time in
    seconds. ``width x height`` is the size the frame is handed over at (under a token budget:
    the size the model sees, ``scale`` times the family's default size).
    """

    index: int
    time: float
    source: str
    role: str
    scores: dict[str, float | bool]
    reason: str
    width: int
    height: int
    image: Image.Image | None = field(default=None, repr=False)
    #: Under a token budget: the side length relative to the model family's default frame size
    #: (``width x height`` is then the size the model sees, and the size the image is fetched at).
    scale: float | None = None
    #: Subtitle / speech / on-screen text near this frame, nearest first: ``{"channel", "start",
    #: "end", "text"}`` (:mod:`framesift.export.context`); adapters put it beside the frame.
    text: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if int(self.index) < 0:
            raise ValueError(f"SelectedFrame.index must be >= 0 (got {self.index})")
        if not math.isfinite(float(self.time)):
            raise ValueError(f"SelectedFrame.time must be finite (got {self.time})")
        if self.scale is not None and not float(self.scale) > 0:
            raise ValueError(f"SelectedFrame.scale must be > 0 (got {self.scale})")

    def to_dict(self) -> dict[str, Any]:
        """The frame's entry in the manifest (``frames[k]``), without the image."""
        return (
            {
                "index": self.index,
                "time": round(self.time, 6),
                "scores": {k: v if isinstance(v, bool) else round(float(v), 4) for k, v in self.scores.items()},
                "reason": self.reason,
                "role": self.role,
                "source": self.source,
                "resolution": [self.width, self.height],
            }
            | ({"scale": round(self.scale, 4)} if self.scale is not None else {})
            | ({"text": self.text} if self.text else {})
        )


@dataclass(frozen=True)
class TokenSpend:
    """What a selection under a visual-token budget spent (the manifest's ``budget`` token keys).

    ``limit`` is the budget asked for, ``spent`` the exact visual tokens of the frames at their
    planned sizes for ``model_family``; ``overhead_estimate`` estimates the wrapper text around
    frames (timestamps, frame labels), which is not budgeted.
    """

    limit: int
    spent: int
    model_family: str
    overhead_estimate: int = 0

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"TokenSpend.limit must be >= 1 (got {self.limit})")
        if self.spent < 0:
            raise ValueError(f"TokenSpend.spent must be >= 0 (got {self.spent})")

    def __getitem__(self, key: str) -> Any:
        # Compatibility: ``Selection.tokens`` was a dict of the manifest keys before 0.2.
        return self.to_dict()[key]

    def to_dict(self) -> dict[str, Any]:
        """The keys the manifest's ``budget`` gains under a token budget."""
        return {
            "tokens": self.limit,
            "tokens_spent": self.spent,
            "model_family": self.model_family,
            "overhead_tokens_estimate": self.overhead_estimate,
        }
