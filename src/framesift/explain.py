"""Why each frame was chosen, and what the manifest says about the signals.

The reasons are for people reading a manifest or a report: which channel scored the frame,
the words or phrase behind the score, or the structural role (coverage, momentary event)
when no channel did. The signal summary says which channels were available and used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .frame import SelectedFrame
from .scoring.query import QueryPlan
from .scoring.relevance import Evidence
from .signals.ocr import OcrPool, OcrText
from .signals.visual import VisualEmbeddings
from .video.candidates import CandidateSet
from .video.probe import VideoInfo
from .video.subtitles import Subtitles

__all__ = ["describe_frames", "quote", "reason_for", "signals_summary", "visual_summary"]

#: The text model behind the subtitle and on-screen-text channels.
TEXT_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"
NO_VISUAL_MODEL: dict[str, Any] = {"available": False, "used": False, "note": "no vision-language model configured"}


def quote(text: str, limit: int = 80) -> str:
    """``text`` on one line, in quotes, cut with an ellipsis after ``limit`` characters."""
    text = " ".join(text.split())
    return f'"{text[: limit - 1]}…"' if len(text) > limit else f'"{text}"'


def _evidence_text(pos: int, channels: dict[str, np.ndarray], ev: Evidence) -> str:
    best_channel = max(channels, key=lambda c: channels[c][pos]) if channels else None
    if not best_channel or channels[best_channel][pos] <= 0:
        return ""
    score = float(channels[best_channel][pos])
    if best_channel == "visual" and ev.visual is not None and ev.plan is not None and ev.visual.which[pos] >= 0:
        name, phrases = ev.plan.groups[int(ev.visual.which[pos])]
        return f"image matches the {name} ({score:.2f}, cosine {float(ev.visual.cosine[pos]):.3f}): {quote(phrases[0])}"
    if (
        best_channel == "visual"
        and ev.visual is not None
        and ev.visual.estimated is not None
        and ev.visual.estimated[pos]
    ):
        return f"image score estimated from embedded frames of the same span ({score:.2f}; not embedded)"
    if best_channel == "subtitle" and ev.sub_which is not None and ev.sub_which[pos] >= 0:
        ln = ev.sub_lines[int(ev.sub_which[pos])]
        return f"subtitle {ln.start:.1f}-{ln.end:.1f}s matches the query ({score:.2f}): {quote(ln.text)}"
    if best_channel == "ocr" and ev.ocr_which is not None and ev.ocr_which[pos] >= 0:
        item = ev.ocr_items[int(ev.ocr_which[pos])]
        return f"on-screen text matches the query ({score:.2f}): {quote(item.text)}"
    return f"{best_channel} score {score:.2f}"


def reason_for(pos: int, role: str, cands: CandidateSet, channels: dict[str, np.ndarray], ev: Evidence) -> str:
    """The one-line reason of candidate ``pos`` picked in ``role``."""
    evidence = _evidence_text(pos, channels, ev)
    parts: list[str] = []
    if role == "relevance":
        parts.append(evidence or "highest relevance")
    elif role == "momentary event":
        parts.append(f"momentary event: sudden change ({float(cands.change[pos]):.1f}x threshold) that reverts quickly")
    elif role == "coverage":
        kind = "shot change" if cands.source[pos] == "event" else "distinct scene"
        parts.append(f"coverage: {kind}, visually and temporally far from the other picks")
    else:
        parts.append(role)
        if evidence and role not in ("uniform",) and not role.startswith("fps"):
            parts.append(evidence)
    return "; ".join(parts)


def describe_frames(
    positions: np.ndarray,
    roles: tuple[str, ...],
    cands: CandidateSet,
    channels: dict[str, np.ndarray],
    fused: np.ndarray,
    ev: Evidence,
    info: VideoInfo,
) -> list[SelectedFrame]:
    """The :class:`SelectedFrame` records of the picked candidate positions, in time order."""
    frames = []
    for pos, role in zip(positions.tolist(), roles):
        scores: dict[str, float | bool] = {name: float(ch[pos]) for name, ch in channels.items()}
        if ev.visual is not None and np.isfinite(ev.visual.cosine[pos]):
            scores["visual_cosine"] = float(ev.visual.cosine[pos])
        if ev.visual is not None and ev.visual.estimated is not None:
            scores["visual_estimated"] = bool(ev.visual.estimated[pos])
        if channels:
            scores["fused"] = float(fused[pos])
        if cands.change[pos] > 0:
            scores["event"] = float(cands.change[pos])
        frames.append(
            SelectedFrame(
                index=int(cands.index[pos]),
                time=float(cands.time[pos]),
                source=str(cands.source[pos]),
                role=role,
                scores=scores,
                reason=reason_for(pos, role, cands, channels, ev),
                width=info.width,
                height=info.height,
            )
        )
    frames.sort(key=lambda f: f.time)
    return frames


def visual_summary(
    visual: VisualEmbeddings | None,
    plan: QueryPlan | None,
    channels: dict[str, np.ndarray],
    embedding: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest's ``signals.visual_model``."""
    if visual is None:
        return dict(NO_VISUAL_MODEL)
    used = "visual" in channels and float(channels["visual"].max()) > 0
    return {
        "available": True,
        "used": used,
        "model": visual.model_id,
        "backend": getattr(visual.embedder, "backend", None),
        "image_side": visual.images.side,
        "embedded": visual.embedded,
        "candidates": len(visual),
        "image_bytes": visual.images.nbytes,
        "query": plan.to_dict() if plan is not None else None,
        "pooling": "mean of phrase embeddings within a group, max over groups",
        "normalisation": "robust z within the video (estimated scores included) / 6, clipped to [0, 1]; "
        "estimated scores x 0.95",
        "embedding": embedding,
    }


def signals_summary(
    subs: Subtitles | None,
    cands: CandidateSet,
    pool: OcrPool | None,
    reads: list[OcrText],
    channels: dict[str, np.ndarray],
) -> dict[str, Any]:
    """The manifest's ``signals``: each channel's availability and use (``visual_model`` filled by the caller)."""

    def used(name: str) -> bool:
        return name in channels and float(channels[name].max()) > 0

    return {
        "subtitle": {
            "available": bool(subs and subs.lines),
            "used": used("subtitle"),
            "source": subs.source if subs else None,
            "lines": len(subs.lines) if subs else 0,
        },
        "ocr": {
            "available": pool is not None,
            "used": used("ocr"),
            "frames_read": pool.read_count if pool is not None else 0,
            "frames_with_text": len(reads),
            "frames_screened": pool.screened if pool is not None else 0,
        },
        "visual_structure": {"available": True, "used": True, "features": "hsv-histogram+16x9-layout"},
        "events": {
            "available": cands.events_scanned,
            "used": cands.events_found > 0,
            "found": cands.events_found,
            "transient": int(cands.transient.sum()),
            "frames_scanned": cands.frames_decoded,
        },
        "visual_model": dict(NO_VISUAL_MODEL),
        "text_embedder": (TEXT_EMBEDDER if {"subtitle", "ocr"} & set(channels) else None),
        "candidates": {
            "count": len(cands),
            "by_source": {s: int((cands.source == s).sum()) for s in ("grid", "event", "subtitle")},
            "read_plan": cands.plan.mode,
        },
    }
