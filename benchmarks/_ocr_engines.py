"""Shared by the OCR read-engine benchmarks: the same frames through several engines, alternating."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any


def texts(result: Any) -> list[str]:
    """The lines of text in a rapidocr result (None: nothing read)."""
    return [r[1] for r in (result or [])]


def race(engines: Mapping[str, Any], frames: Sequence[Any]) -> tuple[dict[str, float], dict[str, int]]:
    """Read every frame with every engine, alternating per frame so load changes hit all alike.

    Returns the seconds each engine spent and on how many frames it read the same text as the
    first engine. Each engine reads ``frames[0]`` once first (its warm-up, not timed).
    """
    for e in engines.values():
        e(frames[0])
    spent = dict.fromkeys(engines, 0.0)
    same = dict.fromkeys(engines, 0)
    for f in frames:
        ref = None
        for name, eng in engines.items():
            t0 = time.perf_counter()
            result, _ = eng(f)
            spent[name] += time.perf_counter() - t0
            text = texts(result)
            ref = text if ref is None else ref
            same[name] += text == ref
    return spent, same


def engine_rows(spent: Mapping[str, float], same: Mapping[str, int], n: int, base: str, *, against: str) -> list[str]:
    """Markdown rows: ms per frame, speed-up against ``base``, same text (``against`` names the base)."""
    lines = [
        f"| read engine | ms / frame | speed-up vs {against} | same text as {against} |",
        "|---|---|---|---|",
    ]
    for name in spent:
        lines.append(f"| {name} | {spent[name] / n * 1000:.0f} | {spent[base] / spent[name]:.2f}x | {same[name]}/{n} |")
    return lines


def kept_frames(limit: int) -> list[Any]:
    """The frames framesift's OCR pool keeps on the 10-minute benchmark video (read-size RGB, in
    time order, at most ``limit``), with glibc's mmap threshold pinned as in a select. The pool
    keeps them (``overlap=False``: nothing is read), the caller reads them."""
    from _videos import ensure_video
    from framesift._malloc import pin_mmap_threshold
    from framesift.signals.ocr import OcrPool, default_ocr_frames
    from framesift.video import probe
    from framesift.video.candidates import extract_candidates

    pin_mmap_threshold()
    path = ensure_video("360p_10min")
    info, table = probe(path)
    pool = OcrPool(info, default_ocr_frames(info.duration), overlap=False)
    extract_candidates(path, info, table, taps=[pool])
    assert pool._slots is not None
    return [pool._slots[s].copy() for _, _, _, s in sorted(pool._heap, key=lambda it: it[1])][:limit]
