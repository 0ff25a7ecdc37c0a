"""The query-free audio part of an analysis: decode the track once, find sound events, transcribe.

One pass over the audio stream feeds both consumers: the loudness envelope (audio events,
:func:`framesift.video.audio.audio_onsets`) and, chunk by chunk, speech recognition
(:mod:`framesift.signals.speech`). In an analysis that pass is the video decode itself: a
:class:`Listener` receives the audio packets the video pass demuxes and transcribes in a
background thread (:func:`start_listening`); :func:`hear` is the same in a pass of its own (for a
seeking read, which never demuxes the audio, and ``framesift transcribe``). What ``asr`` resolves to:

* ``"off"``: no speech recognition (audio events are still found when ``events`` is on);
* ``"auto"`` (default): transcribe with the offline default model when the ``speech`` extra is
  installed, the file has an audio stream and no subtitle track covers it (a subtitle file or
  stream wins: it is what the author wrote, and it costs nothing);
* a model spec (``"small"``, ``"large-v3"``, a CTranslate2 directory): transcribe with it,
  subtitles or not.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av

from ..video.audio import AudioChunk, AudioChunker, AudioOnset, AudioScan, audio_onsets, iter_audio
from ..video.probe import VideoInfo
from ..video.subtitles import Subtitles
from .speech import (
    DEFAULT_MODEL,
    SpeechModel,
    Transcript,
    asr_available,
    load_speech_model,
    model_label,
    normalise_asr,
    transcribe_chunks,
)

__all__ = ["Hearing", "Listener", "hear", "resolve_asr", "start_listening"]


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
    #: the audio was decoded inside the video pass (:class:`Listener`), not in a pass of its own
    with_video: bool = False

    def speech_report(self, *, used: bool = False, from_index: bool = False) -> dict[str, Any]:
        """The manifest's ``signals.speech`` entry."""
        out: dict[str, Any] = {"available": self.transcript is not None and bool(self.transcript.words), "used": used}
        if self.transcript is not None:
            out |= self.transcript.summary()
            out["notes"] = list(self.transcript.notes)
        else:
            out |= {"model": None, "note": self.skipped or "speech recognition off"}
        out["audio_pass"] = "with the video" if self.with_video else ("separate" if self.decoded else None)
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
    if out.transcript is not None:
        # iter_audio times the whole pass, recognition included: the decode is the rest
        scan.decode_seconds = max(0.0, scan.decode_seconds - out.transcript.seconds)
    _conclude(out, scan, events)
    if progress is not None:
        progress(stage, total, total)
    return out


def _conclude(out: Hearing, scan: AudioScan, events: bool) -> None:
    """What a finished audio pass adds to ``out``: duration, decode cost, notes, onsets."""
    out.decoded = True
    out.audio_seconds = scan.seconds
    out.decode_seconds = scan.decode_seconds
    out.notes.extend(scan.notes)
    if out.transcript is not None:
        out.transcript.decode_seconds = out.decode_seconds
        out.notes.extend(out.transcript.notes)
    if scan.seconds > 0 and scan.peak_dbfs < -60.0:
        out.notes.append("the audio track is silent")
    if events:
        out.onsets = audio_onsets(scan)


class Listener:
    """The audio half of the single pass: the video decode hands it its audio packets.

    :func:`~framesift.video.decode.iter_decoded` demuxes audio and video in one read of the
    container and calls the listener with each audio packet; it decodes and resamples it to
    16 kHz mono (:class:`~framesift.video.audio.AudioChunker`, which also keeps the loudness
    envelope the onsets come from), and every finished chunk (~4 min, cut in a pause) goes to a
    background thread that transcribes it while the video decoding continues (two chunks at once
    on CPU, one per CTranslate2 worker: :func:`~framesift.signals.speech.transcribe_chunks`):
    CTranslate2 runs without the GIL, so recognition overlaps the Python-bound part of the video
    pass. The queue
    holds at most :data:`QUEUE_CHUNKS` chunks, so when recognition is the slower of the two the
    decode waits for it and memory stays flat with the length of the video. :meth:`finish` ends
    the track, waits for the thread and returns the :class:`Hearing`, as :func:`hear` would.
    """

    QUEUE_CHUNKS = 2

    def __init__(self, hearing: Hearing, model: SpeechModel | None, *, events: bool = True) -> None:
        self.hearing = hearing
        self.model = model
        self.events = events
        self.scan = AudioScan()
        self.chunker = AudioChunker(self.scan)
        self.decode_seconds = 0.0
        self.wait_seconds = 0.0
        self._queue: queue.Queue[AudioChunk | None] = queue.Queue(maxsize=self.QUEUE_CHUNKS)
        self._result: list[Any] = []
        self._ended = False
        self._thread: threading.Thread | None = None
        if model is not None:
            self._thread = threading.Thread(target=self._transcribe, name="framesift-asr", daemon=True)
            self._thread.start()

    def _chunks(self):
        while (chunk := self._queue.get()) is not None:
            yield chunk
        self._ended = True

    def _transcribe(self) -> None:
        assert self.model is not None
        try:
            self._result.append(transcribe_chunks(self._chunks(), self.model))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread in finish()
            self._result.append(exc)
            while not self._ended and self._queue.get() is not None:  # never leave the producer blocked
                pass

    def abort(self) -> None:
        """The video pass failed: end the track so the thread stops (its result is dropped)."""
        self._put(None)
        if self._thread is not None:
            self._thread.join()

    def _put(self, item: AudioChunk | None) -> None:
        if self._thread is None:
            return
        t0 = time.perf_counter()
        self._queue.put(item)
        self.wait_seconds += time.perf_counter() - t0

    def __call__(self, packet: av.Packet) -> None:
        t0 = time.perf_counter()
        self.chunker.packet(packet)
        chunks = self.chunker.ready()
        self.decode_seconds += time.perf_counter() - t0
        for chunk in chunks:
            self._put(chunk)

    def finish(self) -> Hearing:
        t0 = time.perf_counter()
        chunks = self.chunker.finish()
        self.decode_seconds += time.perf_counter() - t0
        for chunk in chunks:
            self._put(chunk)
        self._put(None)
        if self._thread is not None:
            t1 = time.perf_counter()
            self._thread.join()
            self.wait_seconds += time.perf_counter() - t1
            result = self._result[0]
            if isinstance(result, BaseException):
                raise result
            self.hearing.transcript = result
        if not self.chunker.started:
            self.scan.notes.append("no audio packets read")
        self.scan.decode_seconds = self.decode_seconds
        self.hearing.with_video = True
        _conclude(self.hearing, self.scan, self.events)
        return self.hearing


def start_listening(
    info: VideoInfo,
    subtitles: Subtitles | None,
    *,
    asr: Any = "auto",
    events: bool = True,
    asr_device: str = "cpu",
    asr_compute_type: str = "auto",
) -> Listener | Hearing:
    """A :class:`Listener` for the video pass, or the finished :class:`Hearing` when nothing needs
    the audio (no stream; or neither speech recognition nor events). The model is loaded here, so
    a bad one fails before any decoding."""
    spec, why_not = resolve_asr(asr, info, subtitles)
    out = Hearing(asr="off" if spec == "off" else model_label(spec), audio=info.has_audio, skipped=why_not)
    if not info.has_audio or (spec == "off" and not events):
        return out
    model = load_speech_model(spec, device=asr_device, compute_type=asr_compute_type) if spec != "off" else None
    return Listener(out, model, events=events)
