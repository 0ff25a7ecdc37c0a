"""Selection over a stream's memory: the registered strategies, on the items the memory holds.

The memory's items (recent frames, span representatives, kept moments) play the part of the
offline candidates: their times, low-level features, event strengths and momentary flags go to
:func:`framesift.selectors.run_strategy` unchanged, so every strategy works on a stream. Query
relevance comes from the words the memory kept (subtitles, speech, on-screen text), scored by
:func:`framesift.scoring.text_relevance.score_items` (MiniLM semantic + IDF-weighted lexical
match, the offline text channel). A text line gives its score to every item whose time it
covers; a span's representative stands for the whole span and gets it discounted (x0.9), so a
kept moment inside the line's own time wins when there is one, and the representative otherwise.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from ..errors import InputError
from ..scoring.text_relevance import score_items
from ..selectors import run_strategy
from .memory import MemoryItem, MemorySnapshot
from .records import StreamFrame, StreamSelection, Words

__all__ = ["select_snapshot", "SPAN_DISCOUNT"]

SPAN_DISCOUNT = 0.9
_PAD_S = 0.25  # cue timing rarely matches the picture exactly (as the offline subtitle channel)


@dataclass
class _Entry:
    item: MemoryItem
    level: str  # recent | span | moment
    lo: float  # the time this entry stands for
    hi: float
    span: tuple[float, float] | None


def _entries(snap: MemorySnapshot, window: tuple[float, float] | None) -> tuple[list[_Entry], list[Words]]:
    out: list[_Entry] = []
    words: list[Words] = list(snap.words)
    for s in snap.spans:
        words.extend(s.words)
        out.append(_Entry(s.rep, "span", s.start, s.end, (s.start, s.end)))
        for k in s.keys:
            out.append(_Entry(k, "moment", k.time, k.time, (s.start, s.end)))
    for it in snap.recent:
        out.append(_Entry(it, "recent", it.time, it.time, None))
    for e in out:
        words.extend(e.item.words)
    if window is not None:
        a, b = window
        out = [e for e in out if e.hi >= a and e.lo <= b]
        words = [w for w in words if w.end >= a and w.start <= b]
    out.sort(key=lambda e: (e.item.time, e.item.index))
    # One entry per frame (a frame can be both a representative and, after a merge, a moment).
    seen: set[int] = set()
    uniq = []
    for e in out:
        if id(e.item) not in seen:
            seen.add(id(e.item))
            uniq.append(e)
    dedup: dict[tuple[str, float, float, str], Words] = {}
    for w in words:
        dedup.setdefault((w.text, round(w.start, 2), round(w.end, 2), w.source), w)
    return uniq, sorted(dedup.values(), key=lambda w: w.mid)


def _text_scores(
    query: str, entries: list[_Entry], words: list[Words], embed: Callable[[list[str]], np.ndarray]
) -> tuple[np.ndarray, list[Words | None], dict[str, int]]:
    n = len(entries)
    score = np.zeros(n, dtype=np.float32)
    which: list[Words | None] = [None] * n
    counts: dict[str, int] = {}
    for w in words:
        counts[w.source] = counts.get(w.source, 0) + 1
    if not query.strip() or not words:
        return score, which, counts
    items = score_items(query, [w.text for w in words], embed)
    s = np.array([it.score for it in items], dtype=np.float32)
    w_lo = np.array([w.start for w in words]) - _PAD_S
    w_hi = np.array([w.end for w in words]) + _PAD_S
    by_index = {e.item.index: k for k, e in enumerate(entries)}
    for k, e in enumerate(entries):
        on = (w_lo <= e.hi) & (w_hi >= e.lo)
        if e.level == "span":
            eff = np.where(on, s * SPAN_DISCOUNT, -1.0)
        else:
            eff = np.where(on, s, -1.0)
        if on.any():
            j = int(np.argmax(eff))
            score[k], which[k] = float(eff[j]), words[j]
    for j, w in enumerate(words):  # text read from a frame belongs to that frame first
        k = by_index.get(w.index, -1) if w.source == "ocr" else -1
        if k >= 0 and s[j] > score[k]:
            score[k], which[k] = float(s[j]), w
    return score, which, counts


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f'"{text[: limit - 1]}…"' if len(text) > limit else f'"{text}"'


def _reason(e: _Entry, role: str, score: float, w: Words | None) -> str:
    parts = []
    if w is not None and score > 0 and role not in ("uniform",):
        parts.append(f"{w.source} {w.start:.1f}-{w.end:.1f}s matches the query ({score:.2f}): {_quote(w.text)}")
    elif role == "momentary event":
        parts.append("momentary event: sudden change that reverts quickly")
    elif role == "coverage":
        parts.append("coverage: visually and temporally far from the other picks")
    else:
        parts.append(role)
    if e.level == "span":
        parts.append(f"stands for {e.lo:.1f}-{e.hi:.1f}s of the stream (stored representative)")
    elif e.level == "moment":
        parts.append(f"kept moment of the span {e.span[0]:.1f}-{e.span[1]:.1f}s" if e.span else "kept moment")
    return "; ".join(parts)


def select_snapshot(
    snap: MemorySnapshot,
    query: str,
    budget: int,
    *,
    strategy: str = "auto",
    params: dict[str, Any] | None = None,
    seed: int = 0,
    window: tuple[float, float] | None = None,
    images: bool = True,
    embed: Callable[[list[str]], np.ndarray],
    memory_stats: dict[str, Any] | None = None,
) -> StreamSelection:
    """Choose at most ``budget`` items of ``snap`` for ``query`` (see the module docstring)."""
    if not isinstance(budget, (int, np.integer)) or isinstance(budget, bool) or budget < 1:
        raise InputError(f"budget must be a whole number >= 1 (got {budget!r})", param="budget")
    if not isinstance(query, str):
        raise InputError("query must be text", param="query")
    t0 = time.perf_counter()
    entries, words = _entries(snap, window)
    timings: dict[str, float] = {}
    notes: list[str] = []
    newest = snap.newest
    at = newest.time if newest is not None else 0.0
    wall = newest.wall if newest is not None else 0.0
    if not entries:
        notes.append("the memory holds no frame yet" if window is None else "no frame in memory in that window")
        return StreamSelection(query, strategy, int(budget), [], at, wall, memory_stats or {}, {}, notes, timings)
    scores, which, counts = _text_scores(query, entries, words, embed)
    timings["text"] = round(time.perf_counter() - t0, 4)
    t1 = time.perf_counter()
    times = np.array([e.item.time for e in entries], dtype=np.float64)
    feats = np.stack([e.item.feature for e in entries])
    events = np.array([e.item.change for e in entries], dtype=np.float32)
    transient = np.array([e.item.ordinal >= 0 and e.item.transient for e in entries], dtype=bool)
    picks = run_strategy(
        strategy, scores, feats, times, int(budget), seed=seed, events=events, transient=transient, params=params
    )
    timings["select"] = round(time.perf_counter() - t1, 4)
    frames = []
    for pos, role in zip(picks.indices.tolist(), picks.roles):
        e = entries[pos]
        it = e.item
        sc: dict[str, float | bool] = {}
        if words and query.strip():
            sc["text"] = float(scores[pos])
        if it.change > 0:
            sc["event"] = float(it.change)
        w, h = it.image_size
        image = Image.open(io.BytesIO(it.jpeg)).convert("RGB") if images and it.jpeg else None
        frames.append(
            StreamFrame(
                index=it.index,
                time=it.time,
                source=it.source,
                role=role,
                scores=sc,
                reason=_reason(e, role, float(scores[pos]), which[pos]),
                width=w,
                height=h,
                image=image,
                wall=it.wall,
                span=e.span if e.level != "recent" else None,
                level=e.level,
            )
        )
    frames.sort(key=lambda f: f.time)
    signals = {
        "words": counts,
        "text_used": bool(query.strip() and words and float(scores.max()) > 0),
        "items": len(entries),
        "by_level": {lv: sum(1 for e in entries if e.level == lv) for lv in ("recent", "moment", "span")},
        "text_embedder": "sentence-transformers/all-MiniLM-L6-v2" if query.strip() and words else None,
    }
    return StreamSelection(query, strategy, int(budget), frames, at, wall, memory_stats or {}, signals, notes, timings)
