"""The query-free half of framesift: probe, decode candidates, features, on-screen text.

:class:`Analysis` holds everything about a video that does not depend on the question, so a
video is decoded once and asked many questions (:func:`framesift.select_from`); the per-video
index stores it (:mod:`framesift.index`). :class:`AnalysisOptions` are the settings that shape
it, checked once here rather than at every call site.
"""

from __future__ import annotations

import math
import os
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from ._malloc import pin_mmap_threshold
from ._timer import StageTimer
from .errors import InputError
from .progress import ProgressFn, report_to
from .signals.embedders import Embedder, load_embedder
from .signals.hearing import Hearing, Listener, hear, start_listening
from .signals.lowlevel import visual_features
from .signals.ocr import OcrPool, OcrText, default_ocr_frames
from .signals.speech import normalise_asr
from .signals.text_embedder import EmbeddingMemo
from .signals.visual import VisualEmbeddings
from .video.audio import ONSET_RISE_DB
from .video.candidates import CandidateSet, add_late_candidates, extract_candidates
from .video.images import CandidateImages
from .video.probe import FrameTable, VideoInfo, probe
from .video.subtitles import Subtitles, load_subtitles

__all__ = ["Analysis", "AnalysisOptions", "OcrSetting", "StoredEntry", "run_analysis"]

#: ``"auto"`` (a length-dependent number of frames), a number of frames, or False (no OCR).
OcrSetting = bool | int | Literal["auto"]


@dataclass(frozen=True)
class AnalysisOptions:
    """The settings of the query-free analysis; part of the index key.

    Args:
        fps: candidate sampling rate (frames per second), > 0.
        events: scan every frame for momentary events (flashes, brief captions).
        ocr: ``"auto"``, a number of frames to read (>= 0), or ``False``.
        subtitles: a subtitle file; None: a sidecar or an embedded stream when present.
        asr: speech recognition (:mod:`framesift.signals.hearing`): ``"auto"``, ``"off"`` or a
            faster-whisper model (size name, hub id or CTranslate2 directory).
        asr_device: ``cpu``, ``cuda`` or ``auto`` for the speech model (not part of the key).
    """

    fps: float = 1.0
    events: bool = True
    ocr: OcrSetting = "auto"
    subtitles: str | None = None
    asr: str = "auto"
    asr_device: str = "cpu"

    def __post_init__(self) -> None:
        try:
            fps = float(self.fps)
        except (TypeError, ValueError):
            raise InputError(f"fps must be a number (got {self.fps!r})", param="fps") from None
        if not (math.isfinite(fps) and fps > 0):
            raise InputError(f"candidate fps must be > 0 (got {self.fps})", param="fps")
        ocr = self.ocr
        if not (ocr in ("auto", True, False) or (isinstance(ocr, int) and ocr >= 0)):
            raise InputError(f"ocr must be 'auto', False or a number of frames >= 0 (got {ocr!r})", param="ocr")
        if self.subtitles is not None and not isinstance(self.subtitles, str):
            object.__setattr__(self, "subtitles", os.fspath(self.subtitles))
        object.__setattr__(self, "asr", normalise_asr(self.asr))
        if self.asr_device not in ("cpu", "cuda", "auto"):
            raise InputError(f"asr_device must be cpu, cuda or auto (got {self.asr_device!r})", param="asr_device")

    @classmethod
    def of(
        cls,
        *,
        fps: float = 1.0,
        events: bool = True,
        ocr: OcrSetting = "auto",
        subtitles: str | os.PathLike[str] | None = None,
        asr: str | bool | None = "auto",
        asr_device: str = "cpu",
    ) -> AnalysisOptions:
        """Options from the keyword arguments of :func:`framesift.analyze` / :func:`framesift.select`."""
        return cls(
            fps=fps,
            events=bool(events),
            ocr=ocr,
            subtitles=os.fspath(subtitles) if subtitles else None,
            asr=asr,  # type: ignore[arg-type]
            asr_device=asr_device,
        )

    def ocr_frames(self, duration_s: float) -> int:
        """How many frames OCR reads for a video of this length (0: OCR off)."""
        if self.ocr is False:
            return 0
        if self.ocr in ("auto", True):
            return default_ocr_frames(duration_s)
        return int(self.ocr)

    def key_args(self) -> dict[str, Any]:
        """The settings as the index's entry key takes them."""
        return {"fps": self.fps, "events": self.events, "ocr": self.ocr, "subtitles": self.subtitles, "asr": self.asr}


class StoredEntry(Protocol):
    """The index entry an analysis was loaded from or written to (:class:`framesift.index.VideoEntry`).

    Declared here, where :class:`Analysis` lives, so the record names what it needs of the
    index without importing the layer above it.
    """

    video_hash: str
    settings_key: str
    dir: Path

    def lock(self) -> AbstractContextManager[None]: ...


@dataclass
class Analysis:
    """Everything about a video that does not depend on the question (decode once, ask many)."""

    path: str
    info: VideoInfo
    table: FrameTable
    subtitles: Subtitles | None
    candidates: CandidateSet
    features: np.ndarray
    ocr_reads: list[OcrText]
    ocr_pool: OcrPool | None
    timings: dict[str, float]
    notes: list[str]
    embed: EmbeddingMemo = field(default_factory=EmbeddingMemo, repr=False)
    #: Image embeddings of the candidates for the configured visual model (None: no model).
    visual: VisualEmbeddings | None = None
    #: The index entry holding this analysis, None without a cache.
    entry: StoredEntry | None = field(default=None, repr=False)
    #: Query-free products of later stages, computed once per analysis on first use (e.g. the
    #: coarse-to-fine spans); never stored in the index.
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    #: What the audio gave: transcript (speech channel), sound onsets (:mod:`framesift.signals.hearing`).
    hearing: Hearing | None = None
    #: Whether this analysis was read from the index (the manifest's ``signals.speech.from_index``).
    from_index: bool = False


def _uncovered_subtitle_times(subs: Subtitles | None, info: VideoInfo, fps: float) -> list[float]:
    """Midpoints of cues too short to contain a grid sample, so every cue has a candidate."""
    if subs is None:
        return []
    return _uncovered_cue_times(subs.lines, info, fps)


def _uncovered_cue_times(lines, info: VideoInfo, fps: float) -> list[float]:
    out = []
    for ln in lines:
        first = math.ceil((ln.start - info.start_time) * fps - 1e-9)
        last = math.floor((ln.end - info.start_time) * fps + 1e-9)
        if last < first:
            out.append((ln.start + ln.end) / 2.0)
    return out


def _heard_cues(hearing: Hearing | None) -> tuple | list:
    """The speech cues heard so far (none before the pass when the audio is heard with the video)."""
    return hearing.transcript.cues if hearing is not None and hearing.transcript is not None else ()


def _onset_events(hearing: Hearing | None) -> list[tuple[float, float, bool]]:
    """Sound onsets as the candidate scan takes them: ``(time, strength, transient)``, the rise in
    units of the onset threshold (``ONSET_RISE_DB``: 1.0 is just loud enough), as a visual event's
    strength is its change over its threshold."""
    if hearing is None:
        return []
    return [(o.time, o.rise_db / ONSET_RISE_DB, o.transient) for o in hearing.onsets]


def run_analysis(
    video: str | os.PathLike[str],
    options: AnalysisOptions,
    *,
    model: str | Embedder | None = None,
    progress: ProgressFn | None = None,
    device: str = "auto",
) -> Analysis:
    """Probe, decode candidates (one pass), compute features and read on-screen text.

    With ``model`` (a spec for :func:`~framesift.signals.embedders.load_embedder` or an
    :class:`Embedder`, loaded before decoding so a bad one fails fast), the decode pass also keeps a model-size JPEG of every candidate and the
    result's ``visual`` embeds them on demand (:class:`~framesift.signals.visual.VisualEmbeddings`).

    ``device`` (``auto``, ``cpu``, ``cuda[:N]``, :mod:`framesift.devices`): where the visual
    model, OCR and decoding run; OCR and decoding fall back to the CPU (with a note when a GPU
    was asked for by name), the visual model does not.
    """
    pin_mmap_threshold()
    timer = StageTimer()
    notes: list[str] = []
    report = report_to(progress)
    embedder = None
    if model is not None:
        with timer.stage("model_load"):
            embedder = load_embedder(model, device=device)
    with timer.stage("probe"):
        info, table = probe(video)
    notes.extend(info.warnings)
    with timer.stage("subtitles"):
        subs = load_subtitles(video, info, options.subtitles)
    if subs is not None:
        notes.extend(subs.notes)
    # Subtitle cues are embedded anyway (the index stores their vectors, a question is scored
    # against them): do it while the decode pass runs.
    memo = EmbeddingMemo()
    embedded = memo.prefetch([ln.text for ln in subs.lines]) if subs is not None and subs.lines else None
    # The audio is decoded inside the video pass (one read of the container) and transcribed in a
    # background thread meanwhile; FRAMESIFT_AUDIO_PASS=separate restores the separate audio pass
    # before the video one (kept for the benchmark that compares the two).
    separate = os.environ.get("FRAMESIFT_AUDIO_PASS", "").strip().lower() == "separate"
    listener: Listener | None = None
    hearing: Hearing | None = None
    with timer.stage("audio"):
        if separate:
            hearing = hear(
                video,
                info,
                subs,
                asr=options.asr,
                events=options.events,
                asr_device=options.asr_device,
                progress=report,
            )
        else:
            started = start_listening(info, subs, asr=options.asr, events=options.events, asr_device=options.asr_device)
            listener, hearing = (started, None) if isinstance(started, Listener) else (None, started)
    speech_cues = _heard_cues(hearing)
    ocr_frames = options.ocr_frames(info.duration)
    pool = OcrPool(info, ocr_frames, device=device) if ocr_frames > 0 else None
    if pool is not None and pool.note:
        notes.append(pool.note)
    images = CandidateImages(info, embedder.image_size) if embedder is not None else None
    with timer.stage("decode"):
        try:
            cands = extract_candidates(
                video,
                info,
                table,
                fps=options.fps,
                extra_times=_uncovered_subtitle_times(subs, info, options.fps)
                + _uncovered_cue_times(speech_cues, info, options.fps),
                events=options.events,
                taps=[t for t in (pool, images) if t is not None],
                progress=lambda d, t: report("decode", d, t),
                device=device,
                audio_events=_onset_events(hearing),
                audio_sink=listener,
            )
        except BaseException:
            if listener is not None:
                listener.abort()
            raise
    if listener is not None:
        with timer.stage("audio"):
            if listener.chunker.started:
                hearing = listener.finish()
            else:  # a seeking read never demuxed the audio: read it on its own
                listener.abort()
                hearing = hear(video, info, subs, asr=options.asr, events=options.events, asr_device=options.asr_device)
        # what the pass could not know before hearing it: onsets and cues too short for a grid sample
        with timer.stage("late_frames"):
            cands, order = add_late_candidates(
                cands,
                video,
                info,
                table,
                extra_times=_uncovered_cue_times(_heard_cues(hearing), info, options.fps),
                audio_events=_onset_events(hearing),
                taps=[images] if images is not None else [],
                device=device,
            )
            if images is not None and len(order) and not np.array_equal(order, np.arange(len(order))):
                images.reorder(order)
    assert hearing is not None
    notes.extend(hearing.notes)
    notes.extend(cands.notes)
    if len(cands) == 0:
        raise InputError(f"{video}: no frame could be decoded")
    with timer.stage("features"):
        feats = visual_features(cands.thumbs)
    reads: list[OcrText] = []
    if pool is not None:
        with timer.stage("ocr"):
            reads = pool.read(progress=lambda d, t: report("ocr", d, t))
    visual = VisualEmbeddings.empty(embedder, images) if embedder is not None and images is not None else None
    if embedded is not None:
        with timer.stage("subtitle_embed"):  # the wait for the prefetch (none when it is done)
            embedded()
    return Analysis(
        path=str(video),
        info=info,
        table=table,
        subtitles=subs,
        candidates=cands,
        features=feats,
        ocr_reads=reads,
        ocr_pool=pool,
        timings=dict(timer.timings),
        notes=notes,
        visual=visual,
        hearing=hearing,
        embed=memo,
    )
