"""What the HTML report draws beyond the manifest: every candidate's relevance per channel.

The manifest lists the chosen frames; a person asking *why these frames* wants to see the curves
they were chosen from. :class:`ReportData` is that payload, built once by ``select_from`` from the
scores it already computed (nothing is recomputed): candidate times and sources, each channel's
relevance and the fused curve, the detected events, the spans coarse-to-fine scoring starts from,
which candidates the visual model actually embedded, and the words (subtitle cues and on-screen
text, with their own times) around each pick. It travels in the manifest under the optional key
``report`` (schema 1.3), so ``framesift report manifest.json`` can draw a page later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ReportData", "build_report_data", "words_near"]

#: Seconds either side of a pick whose subtitle cues and on-screen text are shown with it.
WORDS_WINDOW_S = 3.0


@dataclass
class ReportData:
    """Per-candidate curves and per-pick words (see the module docstring). Lists, JSON-ready."""

    times: list[float]
    sources: list[str]
    channels: dict[str, list[float]]
    events: list[dict[str, Any]]
    spans: list[list[float]]
    embedded: list[float] | None
    words: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidates": {"time": self.times, "source": self.sources},
            "channels": self.channels,
            "events": self.events,
            "spans": self.spans,
            "visual_embedded": self.embedded,
            "words": self.words,
        }


def _r(values: np.ndarray, digits: int = 4) -> list[float]:
    return [round(float(v), digits) for v in np.asarray(values, dtype=np.float64)]


def words_near(
    time_s: float, subtitle_lines: Sequence[Any], ocr_reads: Sequence[Any], window_s: float = WORDS_WINDOW_S
):
    """Subtitle cues overlapping ``time_s ± window_s`` and on-screen text read within it, each with its times."""
    subs = [
        {"start": round(ln.start, 3), "end": round(ln.end, 3), "text": ln.text}
        for ln in subtitle_lines
        if ln.end >= time_s - window_s and ln.start <= time_s + window_s
    ]
    ocr = [
        {"time": round(r.time, 3), "text": r.text}
        for r in sorted(ocr_reads, key=lambda r: abs(r.time - time_s))
        if abs(r.time - time_s) <= window_s
    ][:4]
    return {"subtitles": subs, "ocr": sorted(ocr, key=lambda o: o["time"])}


def build_report_data(
    times: np.ndarray,
    sources: np.ndarray,
    change: np.ndarray,
    transient: np.ndarray,
    span_ids: np.ndarray,
    channels: dict[str, np.ndarray],
    fused: np.ndarray | None,
    *,
    frame_times: Sequence[float],
    frame_indices: Sequence[int],
    subtitle_lines: Sequence[Any] = (),
    ocr_reads: Sequence[Any] = (),
    visual_estimated: np.ndarray | None = None,
) -> ReportData:
    """The report payload of one selection from arrays ``select_from`` already holds (all ``(N,)`` in time order;
    ``span_ids`` from :func:`~framesift.scoring.relevance.analysis_spans`)."""
    t = np.asarray(times, dtype=np.float64)
    curves = {name: _r(ch) for name, ch in channels.items()}
    if fused is not None and channels:
        curves["fused"] = _r(fused)
    ev = np.flatnonzero(np.asarray(change) > 0)
    events = [
        {"time": round(float(t[k]), 4), "strength": round(float(change[k]), 3), "transient": bool(transient[k])}
        for k in ev
    ]
    spans: list[list[float]] = []
    ids = np.asarray(span_ids)
    if len(t) and len(ids) == len(t):
        # The visually homogeneous spans coarse-to-fine scoring starts from (before any merging
        # under a small embedding budget): one representative per span is embedded first.
        starts = np.concatenate([[0], np.flatnonzero(np.diff(ids)) + 1, [len(ids)]])
        spans = [[round(float(t[a]), 3), round(float(t[b - 1]), 3)] for a, b in zip(starts[:-1], starts[1:])]
    embedded = None
    if visual_estimated is not None:
        embedded = _r(t[~np.asarray(visual_estimated, dtype=bool)], 3)
    words = [
        {"index": int(i), "time": round(float(ft), 6)} | words_near(float(ft), subtitle_lines, ocr_reads)
        for i, ft in zip(frame_indices, frame_times)
    ]
    return ReportData(
        times=_r(t, 3),
        sources=[str(s) for s in sources],
        channels=curves,
        events=events,
        spans=spans,
        embedded=embedded,
        words=words,
    )
