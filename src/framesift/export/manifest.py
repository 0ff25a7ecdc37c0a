"""The manifest: one JSON object describing a selection. Other tools parse it, so it is versioned.

``schema_version`` follows semver: a new optional key is a minor bump, a renamed or removed key
or a changed meaning is a major bump.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    from ..api import Selection

SCHEMA_VERSION = "1.3"  # 1.1: visual channel scores, frame `scale`, token fields in `budget`; 1.2: signals.visual_model.embedding, frame scores.visual_estimated (bool); 1.3: signals.speech, signals.audio_events, frame `text` (nearby words), source "audio"


def build_manifest(sel: Selection, image_files: list[str] | None = None) -> dict[str, Any]:
    """The manifest of ``sel``; ``image_files`` (same order as frames) when images were written."""
    frames = []
    for k, f in enumerate(sel.frames):
        d = f.to_dict()
        if image_files is not None:
            d["file"] = image_files[k]
        frames.append(d)
    return {
        "schema_version": SCHEMA_VERSION,
        "framesift_version": __version__,
        "video": sel.video.to_dict(),
        "query": sel.query,
        "strategy": sel.strategy,
        "params": sel.params,
        "budget": {"frames": sel.budget, "spent": len(sel.frames)} | (sel.tokens or {}),
        "num_candidates": sel.num_candidates,
        "frames": frames,
        "signals": sel.signals,
        "timings": sel.timings,
        "notes": sel.notes,
    }
