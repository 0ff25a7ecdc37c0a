"""The words beside each frame: subtitle, speech and on-screen text near its time, for the model.

Video-MME's "with subtitles" setting (Fu et al., 2024) and Video-RAG (Luo et al., 2024) show that
the text said or written around the frames is worth several points of accuracy, and an answer
that is only spoken is invisible in the pixels. So each selected frame carries the text items
whose time span lies within a few seconds of it (``frame.text``: channel, start, end, text;
:func:`framesift.explain.nearby_text`), and every adapter can put them beside the frame with their times.

``context=``: ``"auto"`` (default: every channel the frames have), ``"none"``, or a list of
channels (``["speech", "subtitle", "ocr"]``). The words are capped by ``context_tokens``
(estimated at 4 characters a token, the usual rule of thumb for English BPE vocabularies) so
they never flood the prompt: items are taken nearest-to-their-frame first, round-robin over the
frames (every frame gets its closest words before any gets its second), and an item shared by
neighbouring frames is given once, at the first of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..errors import InputError

__all__ = [
    "CHANNELS",
    "DEFAULT_CONTEXT_TOKENS",
    "parse_context",
    "frame_context",
    "estimate_tokens",
]

CHANNELS = ("subtitle", "speech", "ocr")
DEFAULT_CONTEXT_TOKENS = 600


def parse_context(context: Any) -> tuple[str, ...]:
    """``"auto"`` -> every channel, ``"none"``/None/False -> none, a list or comma list -> those."""
    if context is None or context is False or context == "none":
        return ()
    if context == "auto" or context is True:
        return CHANNELS
    items = [c.strip() for c in context.split(",")] if isinstance(context, str) else list(context)
    bad = [c for c in items if c not in CHANNELS]
    if bad or not items:
        raise InputError(
            f"context must be auto, none or a list of {', '.join(CHANNELS)} (got {context!r})", param="context"
        )
    return tuple(dict.fromkeys(items))


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def frame_context(
    frames: Sequence[Any], context: Any = "auto", max_tokens: int = DEFAULT_CONTEXT_TOKENS
) -> list[list[dict[str, Any]]]:
    """Per frame (same order), the text items to show beside it under ``max_tokens`` (see module docstring)."""
    channels = parse_context(context)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 0:
        raise InputError(f"context_tokens must be a whole number >= 0 (got {max_tokens!r})", param="context_tokens")
    out: list[list[dict[str, Any]]] = [[] for _ in frames]
    if not channels or max_tokens == 0:
        return out
    queues = [[t for t in (getattr(f, "text", None) or ()) if t["channel"] in channels] for f in frames]
    seen: set[tuple[str, float, str]] = set()
    left = max_tokens
    depth = 0
    while left > 0 and any(depth < len(q) for q in queues):
        for k, q in enumerate(queues):
            if depth >= len(q):
                continue
            item = q[depth]
            key = (item["channel"], item["start"], item["text"])
            if key in seen:
                continue
            cost = estimate_tokens(item["text"]) + 6  # + the time label
            if cost > left:
                continue
            seen.add(key)
            left -= cost
            out[k].append(item)
        depth += 1
    for items in out:
        items.sort(key=lambda d: d["start"])
    return out


def render_item(item: dict[str, Any]) -> str:
    """``Said 12.3-15.1 s: "..."`` / ``Subtitle ...`` / ``On screen at 12.0 s: ...``."""
    if item["channel"] == "ocr":
        return f"On screen at {item['start']:.1f} s: {item['text']}"
    what = "Said" if item["channel"] == "speech" else "Subtitle"
    return f'{what} {item["start"]:.1f}-{item["end"]:.1f} s: "{item["text"]}"'


def render_block(items_per_frame: Sequence[Sequence[dict[str, Any]]]) -> str | None:
    """All chosen items as one text block in time order (for adapters that send one video part)."""
    items = sorted(
        {(d["start"], d["channel"], d["text"]): d for its in items_per_frame for d in its}.values(),
        key=lambda d: d["start"],
    )
    if not items:
        return None
    return "Words near the frames (with their times in the video):\n" + "\n".join(render_item(d) for d in items)
