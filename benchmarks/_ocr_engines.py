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
