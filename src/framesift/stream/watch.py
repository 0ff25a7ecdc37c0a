"""Standing questions: fire when matching evidence appears in a stream (the proactive mode).

RTV-Bench ("Benchmarking MLLM Continuous Perception, Understanding and Reasoning through Real-Time
Video", 2025) and the streaming assistants it evaluates ask a model to *speak up*
when the answer appears, instead of being asked after the fact. Here a watch is a question
scored, as soon as new words arrive (a subtitle cue, a line of speech, text read off the
screen), with the offline text relevance (:func:`framesift.scoring.text_relevance.score_items`);
when a line scores at least ``threshold`` the watch fires with the line, its stream time and the
frame it was read from. ``cooldown_s`` keeps a static slide from firing it every second.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..scoring.text_relevance import score_items
from ..signals.text_embedder import get_text_embedder
from .records import Words

__all__ = ["Watch", "WatchHit", "BoundedEmbedder", "match_watches"]

_IDS = itertools.count(1)


@dataclass(frozen=True)
class WatchHit:
    """A watch that fired: which words matched, how well, and when."""

    watch_id: int
    question: str
    words: Words
    score: float


@dataclass
class Watch:
    """A registered question (see the module docstring). ``hits`` counts how often it fired."""

    question: str
    threshold: float = 0.55
    cooldown_s: float = 10.0
    callback: Callable[[WatchHit], None] | None = field(default=None, repr=False)
    id: int = field(default_factory=lambda: next(_IDS))
    last_fired: float = -1e18
    hits: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.question, str) or not self.question.strip():
            raise InputError("a watch needs a non-empty question", param="question")
        if not 0.0 < self.threshold <= 1.0:
            raise InputError(f"watch threshold must be in (0, 1] (got {self.threshold})", param="threshold")
        if self.cooldown_s < 0:
            raise InputError(f"watch cooldown_s must be >= 0 (got {self.cooldown_s})", param="cooldown_s")


class BoundedEmbedder:
    """MiniLM text embeddings, remembered for the last ``capacity`` texts only.

    :class:`framesift.signals.text_embedder.EmbeddingMemo` keeps every text forever, right for a
    file and wrong for a stream that never ends; this one forgets the oldest.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for t, v in zip(missing, get_text_embedder().encode(missing)):
                self._vectors[t] = np.asarray(v, dtype=np.float32)
        out = []
        for t in texts:
            self._vectors.move_to_end(t)
            out.append(self._vectors[t])
        while len(self._vectors) > self.capacity:
            self._vectors.popitem(last=False)
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(out)


def match_watches(watches: Sequence[Watch], words: Sequence[Words], embed) -> list[WatchHit]:
    """Score new ``words`` against every watch; return (and record) the watches that fire."""
    hits: list[WatchHit] = []
    if not watches or not words:
        return hits
    texts = [w.text for w in words]
    for watch in watches:
        items = score_items(watch.question, texts, embed)
        order = np.argsort([-it.score for it in items], kind="stable")
        best = int(order[0])
        score = items[best].score
        w = words[best]
        if score >= watch.threshold and w.start - watch.last_fired >= watch.cooldown_s:
            watch.last_fired = w.start
            watch.hits += 1
            hits.append(WatchHit(watch.id, watch.question, w, float(score)))
    return hits
