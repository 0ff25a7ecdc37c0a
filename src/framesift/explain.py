"""Why each frame was chosen, and what the manifest says about the signals.

The reasons are for people reading a manifest or a report: which channel scored the frame,
the words or phrase behind the score, or the structural role (coverage, momentary event)
when no channel did. The signal summary says which channels were available and used.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
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
    if best_channel == "speech" and ev.speech_which is not None and ev.speech_which[pos] >= 0:
        ln = ev.speech_lines[int(ev.speech_which[pos])]
        heard = heard_words(ln, ev.query_words, ev.speech_words)
        return f"speech {ln.start:.1f}-{ln.end:.1f}s matches the query ({score:.2f}): {quote(ln.text)}" + (
            f" (heard {heard})" if heard else ""
        )
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
    elif role == "momentary event" and cands.source[pos] == "audio":
        parts.append(f"momentary event: sudden sound ({float(cands.change[pos]) * 15:.0f} dB above the last seconds)")
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
        "text_embedder": (TEXT_EMBEDDER if {"subtitle", "ocr", "speech"} & set(channels) else None),
        "candidates": {
            "count": len(cands),
            "by_source": {s: int((cands.source == s).sum()) for s in ("grid", "event", "subtitle", "audio")},
            "read_plan": cands.plan.mode,
        },
    }


#: Text within this many seconds of a frame is "near" it (``frame.text``).
NEARBY_S = 4.0


def nearby_text(
    time: float,
    *,
    subtitles: Sequence[Any] = (),
    speech: Sequence[Any] = (),
    ocr: Sequence[Any] = (),
    window_s: float = NEARBY_S,
) -> list[dict[str, Any]]:
    """Text items within ``window_s`` of ``time``, nearest first: ``{"channel", "start", "end", "text"}``.

    ``subtitles`` / ``speech``: cues with ``start``, ``end``, ``text``; ``ocr``: reads with
    ``time`` and ``lines`` (on screen from that frame on; given with the read frame's time).
    """
    out: list[tuple[float, dict[str, Any]]] = []
    for channel, cues in (("subtitle", subtitles), ("speech", speech)):
        for c in cues:
            gap = max(c.start - time, time - c.end, 0.0)
            if gap <= window_s:
                out.append(
                    (
                        gap,
                        {
                            "channel": channel,
                            "start": round(float(c.start), 3),
                            "end": round(float(c.end), 3),
                            "text": c.text,
                        },
                    )
                )
    # the last read at or before the frame (what is on screen), and reads just after it
    for r in ocr:
        gap = abs(r.time - time)
        if gap <= window_s and r.lines:
            out.append(
                (
                    gap,
                    {
                        "channel": "ocr",
                        "start": round(float(r.time), 3),
                        "end": round(float(r.time), 3),
                        "text": " / ".join(r.lines),
                    },
                )
            )
    out.sort(key=lambda p: (p[0], p[1]["start"]))
    return [d for _, d in out]


def heard_words(cue: Any, query_words: list[str], words: tuple) -> str:
    """The query's words as heard inside ``cue``, with their times: ``"door" at 13.5s, ...``."""
    if not query_words or not words:
        return ""
    hits = []
    lo = bisect.bisect_left([w.start for w in words], cue.start - 0.01)
    for w in words[lo:]:
        if w.start > cue.end + 0.01:
            break
        token = "".join(ch for ch in w.text.lower() if ch.isalnum())
        if token and any(
            token == q or (len(q) >= 4 and token.startswith(q[:-1] if q.endswith("e") else q)) for q in query_words
        ):
            hits.append(f'"{w.text.strip(".,?!;:")}" at {w.start:.1f}s')
        if len(hits) >= 3:
            break
    return ", ".join(hits)


def speech_summary(analysis: Any, channels: dict[str, np.ndarray]) -> dict[str, Any]:
    """The manifest's ``signals.speech``: model, language, seconds of speech, cost, from the index or not."""
    used = "speech" in channels and float(channels["speech"].max()) > 0
    if analysis.hearing is None:
        return {"available": False, "used": False, "model": None, "note": "audio not analysed", "from_index": False}
    return analysis.hearing.speech_report(used=used, from_index=analysis.from_index)


def audio_summary(analysis: Any) -> dict[str, Any]:
    """The manifest's ``signals.audio_events``: sudden sounds found and used as candidates."""
    h = analysis.hearing
    if h is None or not h.decoded:
        return {"available": False, "used": False, "found": 0}
    return {
        "available": True,
        "used": analysis.candidates.audio_events > 0,
        "found": len(h.onsets),
        "transient": sum(1 for o in h.onsets if o.transient),
        "audio_seconds": round(h.audio_seconds, 2),
        "decode_seconds": round(h.decode_seconds, 3),
    }


def attach_text(frames: list, analysis: Any) -> None:
    """Give each frame the subtitle / speech / on-screen text near it, with times (``frame.text``)."""
    subs = analysis.subtitles.lines if analysis.subtitles else ()
    h = analysis.hearing
    cues = h.transcript.cues if h is not None and h.transcript is not None else ()
    for f in frames:
        f.text = nearby_text(f.time, subtitles=subs, speech=cues, ocr=analysis.ocr_reads)
