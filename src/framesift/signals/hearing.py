"""The query-free audio part of an analysis: decode the track once, find sound events, transcribe.

One pass over the audio stream feeds both consumers: the loudness envelope (audio events,
:func:`framesift.video.audio.audio_onsets`) and, chunk by chunk, speech recognition
(:mod:`framesift.signals.speech`). What ``asr`` resolves to:

* ``"off"``: no speech recognition (audio events are still found when ``events`` is on);
* ``"auto"`` (default): transcribe with the offline default model when the ``speech`` extra is
  installed, the file has an audio stream and no subtitle track covers it (a subtitle file or
  stream wins: it is what the author wrote, and it costs nothing);
* a model spec (``"small"``, ``"large-v3"``, a CTranslate2 directory): transcribe with it,
  subtitles or not.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..video.audio import AudioOnset, AudioScan, audio_onsets, iter_audio
from ..video.probe import VideoInfo
from ..video.subtitles import Subtitles
from .speech import (
    DEFAULT_MODEL,
    Transcript,
    asr_available,
    load_speech_model,
    model_label,
    normalise_asr,
    transcribe_chunks,
)

__all__ = ["Hearing", "hear", "resolve_asr"]


@dataclass
class Hearing:
    """What the audio gave: a transcript (or None), sound onsets, and why things were skipped."""

    asr: str  # what ``asr`` resolved to: "off" or a model label
    transcript: Transcript | None = None
    onsets: list[AudioOnset] = field(default_factory=list)
    audio: bool = False  # the file has an audio stream
    decoded: bool = False  # the audio stream was decoded
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0
    skipped: str | None = None  # why no transcript, in words
    notes: list[str] = field(default_factory=list)

    def speech_report(self, *, used: bool = False, from_index: bool = False) -> dict[str, Any]:
        """The manifest's ``signals.speech`` entry."""
        out: dict[str, Any] = {"available": self.transcript is not None and bool(self.transcript.words), "used": used}
        if self.transcript is not None:
            out |= self.transcript.summary()
            out["notes"] = list(self.transcript.notes)
        else:
            out |= {"model": None, "note": self.skipped or "speech recognition off"}
        out["from_index"] = from_index
        return out


def resolve_asr(asr: Any, info: VideoInfo, subtitles: Subtitles | None) -> tuple[str, str | None]:
    """``(model spec or "off", why not)`` for ``asr`` on this video (see the module docstring)."""
    spec = normalise_asr(asr)
    if spec == "off":
        return "off", "speech recognition off (asr='off')"
    if not info.has_audio:
        return "off", "the video has no audio stream"
    if spec == "auto":
        if subtitles is not None and subtitles.lines:
            return "off", f"subtitles present ({subtitles.source}): speech not transcribed (asr='auto')"
        if not asr_available():
            return "off", "speech recognition not installed (pip install 'framesift[speech]')"
        return DEFAULT_MODEL, None
    return spec, None


def asr_key(asr: Any) -> str:
    """What the index key records about ``asr``: ``off``, or the label of the model ``auto`` / a spec
    would use (``auto`` depends on whether the extra is installed, so it is resolved here)."""
    spec = normalise_asr(asr)
    if spec == "off":
        return "off"
    if spec == "auto":
        return f"auto:{DEFAULT_MODEL}" if asr_available() else "auto:unavailable"
    return model_label(spec)


def hear(
    video: str | os.PathLike,
    info: VideoInfo,
    subtitles: Subtitles | None,
    *,
    asr: Any = "auto",
    events: bool = True,
    asr_device: str = "cpu",
    asr_compute_type: str = "auto",
    progress: Callable[[str, int, int], None] | None = None,
) -> Hearing:
    """Decode the audio once (when anything needs it) and return onsets + transcript."""
    spec, why_not = resolve_asr(asr, info, subtitles)
    out = Hearing(asr="off" if spec == "off" else model_label(spec), audio=info.has_audio, skipped=why_not)
    if not info.has_audio or (spec == "off" and not events):
        return out
    model = load_speech_model(spec, device=asr_device, compute_type=asr_compute_type) if spec != "off" else None
    scan = AudioScan()
    total = max(1, int(round(info.duration)))
    stage = "transcribe" if model is not None else "audio"
    report = (lambda s: progress(stage, min(int(s), total), total)) if progress is not None else None
    chunks = iter_audio(video, scan, progress=None if model is not None else report)
    if model is not None:
        out.transcript = transcribe_chunks(chunks, model, progress=report)
    else:
        t0 = time.perf_counter()
        for _ in chunks:
            pass
        scan.decode_seconds = time.perf_counter() - t0
    out.decoded = True
    out.audio_seconds = scan.seconds
    out.notes.extend(scan.notes)
    if out.transcript is not None:
        # iter_audio times the whole pass, recognition included: the decode is the rest
        out.decode_seconds = max(0.0, scan.decode_seconds - out.transcript.seconds)
        out.transcript.decode_seconds = out.decode_seconds
        out.notes.extend(out.transcript.notes)
    else:
        out.decode_seconds = scan.decode_seconds
    if scan.seconds > 0 and scan.peak_dbfs < -60.0:
        out.notes.append("the audio track is silent")
    if events:
        out.onsets = audio_onsets(scan)
    if progress is not None:
        progress(stage, total, total)
    return out
