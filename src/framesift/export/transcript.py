"""A transcript as a file: SubRip (.srt), WebVTT (.vtt) or JSON (cues with their words)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..signals.speech import Transcript

__all__ = ["TRANSCRIPT_FORMATS", "render_transcript", "transcript_format"]

TRANSCRIPT_FORMATS = {".srt": "srt", ".vtt": "vtt", ".json": "json", ".txt": "txt"}


def transcript_format(path: str | Path) -> str:
    """The format a transcript file's suffix asks for (one clear line if it is not one)."""
    fmt = TRANSCRIPT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: transcript file must end in .srt, .vtt, .json or .txt", param="out")
    return fmt


def _stamp(t: float, sep: str) -> str:
    ms = int(round(max(t, 0.0) * 1000))
    return f"{ms // 3_600_000:02d}:{(ms // 60_000) % 60:02d}:{(ms // 1000) % 60:02d}{sep}{ms % 1000:03d}"


def render_transcript(tr: Transcript, fmt: str, *, video: str | None = None) -> str:
    """``tr`` as text in ``fmt`` (``srt``, ``vtt``, ``json`` or ``txt``)."""
    cues = tr.cues
    if fmt == "srt":
        blocks = [f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n" for i, c in enumerate(cues, 1)]
        return "\n".join(blocks)
    if fmt == "vtt":
        blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n" for c in cues]
        return "WEBVTT\n\n" + "\n".join(blocks)
    if fmt == "txt":
        return "".join(f"[{_stamp(c.start, '.')}] {c.text}\n" for c in cues)
    if fmt == "json":
        data: dict[str, Any] = {"video": video, **tr.summary(), "notes": list(tr.notes)}
        data["cues"] = [
            {
                "start": round(c.start, 3),
                "end": round(c.end, 3),
                "text": c.text,
                "words": [
                    {"start": round(w.start, 3), "end": round(w.end, 3), "word": w.text, "p": round(w.probability, 3)}
                    for w in tr.words_between(c.start, c.end)
                    if c.start - 1e-6 <= w.start <= c.end + 1e-6
                ],
            }
            for c in cues
        ]
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    raise InputError(f"unknown transcript format {fmt!r}", param="out")
