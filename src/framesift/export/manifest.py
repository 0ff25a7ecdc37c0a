"""The manifest: one JSON object describing a selection. Other tools parse it, so it is versioned.

``schema_version`` follows semver: a new optional key is a minor bump, a renamed or removed key
or a changed meaning is a major bump.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._version import __version__
from ..frame import SelectedFrame, TokenSpend
from ..video.probe import VideoInfo

# 1.1: visual channel scores, frame `scale`, token fields in `budget`; 1.2: signals.visual_model.embedding,
# frame scores.visual_estimated (bool); 1.3: signals.speech, signals.audio_events, frame `text` (nearby
# words), source "audio"; 1.4: optional `report` (per-candidate curves, events, spans, words per pick:
# the HTML report) and optional `layout` (plan options and every sent image: kind, role, indices,
# times, resolution, crop box, grid) under plan/layout/crops options.
SCHEMA_VERSION = "1.4"


def build_manifest(
    frames: Sequence[SelectedFrame],
    video: VideoInfo,
    *,
    query: str,
    strategy: str,
    params: dict[str, Any],
    budget: int,
    tokens: TokenSpend | None,
    num_candidates: int,
    signals: dict[str, Any],
    timings: dict[str, float],
    notes: list[str],
    image_files: list[str] | None = None,
    report: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a selection; ``image_files`` (same order as frames) when images were written."""
    entries = []
    for k, f in enumerate(frames):
        d = f.to_dict()
        if image_files is not None:
            d["file"] = image_files[k]
        entries.append(d)
    return {
        "schema_version": SCHEMA_VERSION,
        "framesift_version": __version__,
        "video": video.to_dict(),
        "query": query,
        "strategy": strategy,
        "params": params,
        "budget": {"frames": budget, "spent": len(frames)} | (tokens.to_dict() if tokens is not None else {}),
        "num_candidates": num_candidates,
        "frames": entries,
        "signals": signals,
        "timings": timings,
        "notes": notes,
    } | ({"report": report} if report is not None else {})
