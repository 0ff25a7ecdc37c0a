"""A stream's memory: recent frames at full candidate rate, older time as merged event spans.

The shape follows VideoScaffold (Zheng, Huang, Guo, Zhao, "VideoScaffold: Elastic-Scale Visual
Hierarchies for Streaming Video Understanding in MLLMs", 2025): the stream is cut into *events*
where its content changes (here: the shot changes and momentary events of
:mod:`framesift.video.candidates`, and drift of the low-level features of
:mod:`framesift.signals.lowlevel`), and old events are consolidated into coarser ones as the
stream grows, so the number of units stays bounded however long it runs (their *elastic
scale*). Three levels:

* **recent**: every candidate of the last ``recent_s`` seconds (the 1 fps grid plus event
  frames), each with its feature and a stored image;
* **open span**: candidates that left the recent window but whose event has not ended;
* **spans**: closed events, each keeping a representative frame (the one closest to the span's
  mean feature), up to ``max_keys`` *moments* inside it (momentary events, frames with text) and
  the words said or shown during it. When there are more than ``max_spans``, the adjacent pair
  that is cheapest to merge is merged: cost = (1 - cosine of their mean features) x their joint
  duration, so similar, short neighbours go first and the spans tend to equal *information*,
  not equal time.

Memory is bounded by ``(recent_s + span_max_s) * (fps + events) + max_spans * (1 + max_keys)``
stored images plus ``max_spans * max_words`` text lines, whatever the stream's length.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from .records import Words

__all__ = ["MemoryConfig", "MemoryItem", "Span", "StreamMemory", "MemorySnapshot"]


@dataclass(frozen=True)
class MemoryConfig:
    """How much a stream remembers, and at what resolution (see the module docstring)."""

    fps: float = 1.0  # candidate grid rate (as the offline default)
    recent_s: float = 60.0  # seconds kept at full candidate rate
    max_spans: int = 512  # closed spans kept; older ones merge beyond this
    max_keys: int = 3  # moments kept inside a span besides its representative
    span_max_s: float = 30.0  # a fine span closes after this long even within one shot
    split_similarity: float = 0.85  # a frame less similar than this to the open span starts a new one
    image_side: int = 320  # longer side of the stored images (JPEG)
    thumb_side: int = 64  # longer side of the thumbnails features are computed on
    max_words: int = 48  # text lines kept per span
    jpeg_quality: int = 85

    def __post_init__(self) -> None:
        checks = {
            "fps": self.fps > 0,
            "recent_s": self.recent_s >= 0,
            "max_spans": self.max_spans >= 2,
            "max_keys": self.max_keys >= 0,
            "span_max_s": self.span_max_s > 0,
            "split_similarity": 0.0 <= self.split_similarity <= 1.0,
            "image_side": self.image_side >= 16,
            "thumb_side": self.thumb_side >= 8,
            "max_words": self.max_words >= 1,
            "jpeg_quality": 1 <= self.jpeg_quality <= 100,
        }
        for name, ok in checks.items():
            if not ok:
                raise InputError(f"memory {name}={getattr(self, name)!r} is out of range", param=name)


@dataclass(eq=False)
class MemoryItem:
    """One remembered frame: where it is in the stream, what it looks like, what was read from it."""

    index: int  # decoded frames since the stream started
    time: float  # stream seconds
    wall: float  # wall clock when it arrived
    source: str  # "grid" or "event"
    change: float  # event strength (0 for grid frames and settled frames)
    ordinal: int  # event number (onset and settled frame share it), -1 for grid frames
    feature: np.ndarray  # (FEATURE_DIM,) unit vector
    jpeg: bytes  # stored image
    image_size: tuple[int, int]  # (w, h) of the stored image
    frame_size: tuple[int, int]  # (w, h) the source had at that moment
    transient: bool = False
    words: list[Words] = field(default_factory=list)  # text read from this frame (OCR)

    @property
    def nbytes(self) -> int:
        return len(self.jpeg) + self.feature.nbytes + sum(len(w.text) for w in self.words) + 160

    def priority(self) -> float:
        """How much this frame deserves a place among a span's moments (events and text first)."""
        p = 0.0
        if self.ordinal >= 0:
            p += (2.0 if self.transient else 0.5) + min(self.change, 5.0) * 0.2
        if any(w.source == "ocr" for w in self.words):
            p += 1.5
        elif self.words:
            p += 1.0
        return p


@dataclass(eq=False)
class Span:
    """A closed event of the stream (or several merged ones)."""

    start: float
    end: float
    wall_start: float
    wall_end: float
    rep: MemoryItem
    keys: list[MemoryItem]
    feature_sum: np.ndarray
    count: int
    words: list[Words]
    merges: int = 0
    #: unit mean feature (computed once: consolidation compares every neighbour pair each time)
    mean: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.mean = (self.feature_sum / max(float(np.linalg.norm(self.feature_sum)), 1e-8)).astype(np.float32)

    @property
    def duration(self) -> float:
        return max(self.end - self.start, 0.0)

    @property
    def nbytes(self) -> int:
        return (
            self.rep.nbytes
            + sum(k.nbytes for k in self.keys)
            + self.feature_sum.nbytes
            + sum(len(w.text) + 64 for w in self.words)
            + 200
        )


@dataclass(frozen=True)
class MemorySnapshot:
    """What a selection sees: the memory's items at one moment (lists are copies, items shared)."""

    recent: list[MemoryItem]  # open span + recent window, in time order
    spans: list[Span]
    words: list[Words]  # words not yet inside a closed span
    half_step: float  # half the candidate interval: the time a point item stands for
    newest: MemoryItem | None


class StreamMemory:
    """The bounded, hierarchical memory (not thread-safe: :class:`~framesift.stream.Stream` locks)."""

    def __init__(self, config: MemoryConfig | None = None) -> None:
        self.config = config or MemoryConfig()
        self.recent: deque[MemoryItem] = deque()
        self.open: list[MemoryItem] = []
        self.spans: list[Span] = []
        self.pending_words: list[Words] = []  # sorted by mid; words of the open span + recent window
        self.items_seen = 0
        self.spans_closed = 0
        self.merges = 0
        self.words_dropped = 0
        self.newest: MemoryItem | None = None

    # -- adding ------------------------------------------------------------------------------
    def add(self, item: MemoryItem, transient_of=None) -> None:
        """Add the newest candidate; ``transient_of(ordinal) -> bool`` settles event kinds on ageing."""
        self.recent.append(item)
        self.items_seen += 1
        self.newest = item
        horizon = item.time - self.config.recent_s
        while self.recent and self.recent[0].time < horizon:
            old = self.recent.popleft()
            if transient_of is not None and old.ordinal >= 0:
                old.transient = bool(transient_of(old.ordinal))
            self._age(old)

    def add_words(self, words: Iterable[Words]) -> None:
        """Words (subtitles, speech, OCR) with their stream times; OCR words go to their frame too."""
        for w in words:
            if not w.text.strip():
                continue
            if w.source == "ocr" and w.index >= 0:
                item = self._find(w.index)
                if item is not None:
                    item.words.append(w)
            else:
                # A subtitle cue or a line of speech marks the frame on screen at its middle, so
                # that frame is kept as a moment of its span when the span closes.
                item = self._nearest(w)
                if item is not None:
                    item.words.append(w)
            if self.spans and w.mid < self.spans[-1].end:
                # Late words (OCR finished after its span closed): the span holding their time.
                starts = [s.start for s in self.spans]
                k = max(0, bisect.bisect_right(starts, w.mid) - 1)
                self._span_words(self.spans[k], [w])
            else:
                bisect.insort(self.pending_words, w, key=lambda x: x.mid)

    def flush(self, transient_of=None) -> None:
        """Close everything (the stream ended): recent frames stay recent, the open span closes."""
        if transient_of is not None:
            for it in list(self.recent) + self.open:
                if it.ordinal >= 0:
                    it.transient = bool(transient_of(it.ordinal))
        if self.open:
            self._close()

    def _nearest(self, w: Words) -> MemoryItem | None:
        best, gap = None, None
        for it in list(self.open) + list(self.recent):
            if w.start - 1e-6 <= it.time <= w.end + 1e-6:
                d = abs(it.time - w.mid)
                if gap is None or d < gap:
                    best, gap = it, d
        return best

    def _find(self, index: int) -> MemoryItem | None:
        for it in reversed(self.recent):
            if it.index == index:
                return it
            if it.index < index:
                break
        for it in reversed(self.open):
            if it.index == index:
                return it
        return None

    # -- event segmentation -------------------------------------------------------------------
    def _age(self, item: MemoryItem) -> None:
        cfg = self.config
        if not self.open:
            self.open = [item]
            return
        if item.ordinal >= 0 and item.transient:
            self.open.append(item)  # a momentary event belongs to the span it interrupts
            return
        base = [it for it in self.open if not (it.ordinal >= 0 and it.transient)] or self.open
        mean = np.mean([it.feature for it in base], axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-8)
        cut = item.ordinal >= 0 and item.change > 0  # the onset of a lasting change: a new shot
        drift = float(item.feature @ mean) < cfg.split_similarity
        too_long = item.time - self.open[0].time >= cfg.span_max_s
        if cut or drift or too_long:
            self._close()
            self.open = [item]
        else:
            self.open.append(item)

    def _close(self) -> None:
        items, self.open = self.open, []
        steady = [it for it in items if not (it.ordinal >= 0 and it.transient)] or items
        feats = np.stack([it.feature for it in steady])
        fsum = feats.sum(axis=0).astype(np.float64)
        mean = fsum / max(float(np.linalg.norm(fsum)), 1e-8)
        rep = steady[int(np.argmax(feats @ mean))]
        others = [it for it in items if it is not rep and it.priority() > 0]
        keys = sorted(others, key=lambda it: -it.priority())[: self.config.max_keys]
        keys.sort(key=lambda it: it.time)
        half = 0.5 / self.config.fps
        nxt = self.recent[0].time if self.recent else items[-1].time + half
        span = Span(
            start=items[0].time,
            end=max(min(items[-1].time + 2 * half, nxt), items[-1].time),
            wall_start=items[0].wall,
            wall_end=items[-1].wall,
            rep=rep,
            keys=keys,
            feature_sum=fsum,
            count=len(steady),
            words=[],
        )
        for it in items:  # OCR words of frames not kept stay with the span as text
            if it is not rep and it not in keys:
                self._span_words(span, it.words)
        cut = bisect.bisect_left([w.mid for w in self.pending_words], span.end)
        self._span_words(span, self.pending_words[:cut])
        self.pending_words = self.pending_words[cut:]
        self.spans.append(span)
        self.spans_closed += 1
        self._consolidate()

    def _span_words(self, span: Span, words: list[Words]) -> None:
        known = {(w.text, w.source) for w in span.words}
        for w in words:
            if (w.text, w.source) not in known:
                span.words.append(w)
                known.add((w.text, w.source))
        self._cap_words(span)

    def _cap_words(self, span: Span) -> None:
        extra = len(span.words) - self.config.max_words
        if extra > 0:
            # Keep lines spread over the span's time rather than only its start or its end.
            span.words.sort(key=lambda w: w.mid)
            keep = np.unique(np.linspace(0, len(span.words) - 1, self.config.max_words).round().astype(int))
            span.words = [span.words[k] for k in keep]
            self.words_dropped += extra

    # -- elastic consolidation ---------------------------------------------------------------
    def _consolidate(self) -> None:
        while len(self.spans) > self.config.max_spans:
            means = np.stack([s.mean for s in self.spans])
            dur = np.array([s.duration for s in self.spans])
            sim = np.einsum("ij,ij->i", means[1:], means[:-1])
            cost = (1.0 - sim + 0.02) * (dur[1:] + dur[:-1])
            i = int(np.argmin(cost))
            self.spans[i : i + 2] = [self._merge(self.spans[i], self.spans[i + 1])]
            self.merges += 1

    def _merge(self, a: Span, b: Span) -> Span:
        fsum = a.feature_sum + b.feature_sum
        mean = fsum / max(float(np.linalg.norm(fsum)), 1e-8)
        rep, other = (a.rep, b.rep) if float(a.rep.feature @ mean) >= float(b.rep.feature @ mean) else (b.rep, a.rep)
        pool = a.keys + b.keys
        keys = sorted(pool, key=lambda it: -it.priority())[: self.config.max_keys]
        if len(keys) < self.config.max_keys:
            keys.append(other)  # room left: keep the other scene too
        keys.sort(key=lambda it: it.time)
        merged = Span(
            start=a.start,
            end=b.end,
            wall_start=a.wall_start,
            wall_end=b.wall_end,
            rep=rep,
            keys=keys,
            feature_sum=fsum,
            count=a.count + b.count,
            words=list(a.words),
            merges=a.merges + b.merges + 1,
        )
        dropped = [it for it in pool + [other] if it not in keys and it is not rep]
        self._span_words(merged, b.words + [w for it in dropped for w in it.words])
        return merged

    # -- reading -----------------------------------------------------------------------------
    def snapshot(self) -> MemorySnapshot:
        return MemorySnapshot(
            recent=list(self.open) + list(self.recent),
            spans=list(self.spans),
            words=list(self.pending_words),
            half_step=0.5 / self.config.fps,
            newest=self.newest,
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by images, features and words (what grows with the stream, if anything)."""
        return (
            sum(it.nbytes for it in self.recent)
            + sum(it.nbytes for it in self.open)
            + sum(s.nbytes for s in self.spans)
            + sum(len(w.text) + 64 for w in self.pending_words)
        )

    def stats(self) -> dict[str, Any]:
        spans = self.spans
        return {
            "recent_frames": len(self.recent),
            "open_span_frames": len(self.open),
            "spans": len(spans),
            "moments": sum(len(s.keys) for s in spans),
            "words": sum(len(s.words) for s in spans) + len(self.pending_words),
            "frames_seen": self.items_seen,
            "spans_closed": self.spans_closed,
            "merges": self.merges,
            "words_dropped": self.words_dropped,
            "bytes": self.nbytes,
            "oldest_span_s": round(spans[0].start, 3) if spans else None,
            "mean_span_s": round(float(np.mean([s.duration for s in spans])), 3) if spans else None,
        }
