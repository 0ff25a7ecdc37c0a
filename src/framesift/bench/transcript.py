"""The sidecar transcript of the synthetic videos: filler speech plus the ``subtitle`` needles, as SubRip."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .corpus import FILLER_LINES, OPENERS
from .truth import Needle


def _srt_time(t: float) -> str:
    ms = int(round(max(t, 0.0) * 1000))
    return f"{ms // 3_600_000:02d}:{(ms // 60_000) % 60:02d}:{(ms // 1000) % 60:02d},{ms % 1000:03d}"


def write_srt(path: str | Path, cues: Sequence[tuple[float, float, str]]) -> Path:
    """Write SubRip cues ``(start, end, text)`` (seconds) to ``path``, sorted by start."""
    p = Path(path)
    blocks = []
    for i, (s, e, text) in enumerate(sorted(cues, key=lambda c: (c[0], c[1])), start=1):
        blocks.append(f"{i}\n{_srt_time(s)} --> {_srt_time(e)}\n{text}\n")
    p.write_text("\n".join(blocks), encoding="utf-8")
    return p


def _transcript(rng: np.random.Generator, duration: float, needles: Sequence[Needle]) -> list[tuple[float, float, str]]:
    """Filler cues every few seconds, kept clear of the subtitle needles, plus those needles."""
    busy = sorted((n.start - 0.3, n.end + 0.3) for n in needles if n.kind == "subtitle")
    cues: list[tuple[float, float, str]] = []
    recent: list[int] = []
    t = float(rng.uniform(0.3, 1.5))
    while t < duration - 1.0:
        if rng.random() < 0.05:  # an occasional longer pause, as in real speech
            t += float(rng.uniform(3, 8))
            continue
        d = float(rng.uniform(1.8, 4.0))
        e = min(t + d, duration - 0.05)
        clash = next(((a, b) for a, b in busy if t < b and e > a), None)
        if clash is not None:
            t = clash[1] + float(rng.uniform(0.05, 0.4))
            continue
        idx = int(rng.integers(len(FILLER_LINES)))
        while idx in recent:  # no line repeats within the last dozen cues
            idx = int(rng.integers(len(FILLER_LINES)))
        recent = (recent + [idx])[-12:]
        line = FILLER_LINES[idx]
        opener = str(rng.choice(OPENERS))
        first = line.split()[0].rstrip(",")
        if opener and first not in {"So", "Okay", "And", "Anyway", "Now", "Alright", "Right", "Well"}:
            # Lower-case the old first letter unless it is the pronoun "I".
            line = opener + (line if first == "I" or first.startswith("I'") else line[0].lower() + line[1:])
        cues.append((round(t, 3), round(e, 3), line))
        t = e + float(rng.uniform(0.15, 1.4))
    cues += [(round(n.start, 3), round(n.end, 3), n.content) for n in needles if n.kind == "subtitle"]
    cues.sort()
    return cues
