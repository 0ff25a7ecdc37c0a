"""The one item type every benchmark adapter produces."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["BenchItem", "LETTERS"]

LETTERS = "ABCDEFGHIJ"


@dataclass
class BenchItem:
    """One question about one video.

    ``options`` are the multiple-choice texts without their letters (empty for grounding-only
    datasets such as Charades-STA); ``answer`` is the correct letter (``None`` when the split hides
    it). ``spans`` are evidence windows in seconds on the video's timeline, ``[]`` when the dataset
    has none. ``video`` is the resolved path of the video file (it may not exist when the user has
    only the annotations).
    """

    id: str
    dataset: str
    video: str
    question: str
    options: list[str] = field(default_factory=list)
    answer: str | None = None
    spans: list[tuple[float, float]] = field(default_factory=list)
    subtitles: str | None = None
    duration: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def answer_text(self) -> str | None:
        if self.answer is None or not self.options:
            return None
        k = LETTERS.index(self.answer)
        return self.options[k] if k < len(self.options) else None

    def prompt(self) -> str:
        """Question, lettered options and the answer instruction used by ``bench qa``."""
        lines = [f"Question: {self.question}"]
        lines += [f"{LETTERS[k]}. {opt}" for k, opt in enumerate(self.options)]
        letters = ", ".join(LETTERS[: len(self.options)])
        lines.append(f"Answer with the option's letter ({letters}) from the given choices directly.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["spans"] = [list(s) for s in self.spans]
        return d
