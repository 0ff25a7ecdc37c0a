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
from .signals.lowlevel import visual_features
from .signals.ocr import OcrPool, OcrText, default_ocr_frames
from .signals.text_embedder import EmbeddingMemo
from .signals.visual import VisualEmbeddings
from .video.candidates import CandidateSet, extract_candidates
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
    """

    fps: float = 1.0
    events: bool = True
    ocr: OcrSetting = "auto"
    subtitles: str | None = None

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

    @classmethod
    def of(
        cls,
        *,
        fps: float = 1.0,
        events: bool = True,
        ocr: OcrSetting = "auto",
        subtitles: str | os.PathLike[str] | None = None,
    ) -> AnalysisOptions:
        """Options from the keyword arguments of :func:`framesift.analyze` / :func:`framesift.select`."""
        return cls(fps=fps, events=bool(events), ocr=ocr, subtitles=os.fspath(subtitles) if subtitles else None)

    def ocr_frames(self, duration_s: float) -> int:
        """How many frames OCR reads for a video of this length (0: OCR off)."""
        if self.ocr is False:
            return 0
        if self.ocr in ("auto", True):
            return default_ocr_frames(duration_s)
        return int(self.ocr)

    def key_args(self) -> dict[str, Any]:
        """The settings as the index's entry key takes them."""
        return {"fps": self.fps, "events": self.events, "ocr": self.ocr, "subtitles": self.subtitles}


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


def _uncovered_subtitle_times(subs: Subtitles | None, info: VideoInfo, fps: float) -> list[float]:
    """Midpoints of cues too short to contain a grid sample, so every cue has a candidate."""
    if subs is None:
        return []
    out = []
    for ln in subs.lines:
        first = math.ceil((ln.start - info.start_time) * fps - 1e-9)
        last = math.floor((ln.end - info.start_time) * fps + 1e-9)
        if last < first:
            out.append((ln.start + ln.end) / 2.0)
    return out


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
    ocr_frames = options.ocr_frames(info.duration)
    pool = OcrPool(info, ocr_frames, device=device) if ocr_frames > 0 else None
    if pool is not None and pool.note:
        notes.append(pool.note)
    images = CandidateImages(info, embedder.image_size) if embedder is not None else None
    with timer.stage("decode"):
        cands = extract_candidates(
            video,
            info,
            table,
            fps=options.fps,
            extra_times=_uncovered_subtitle_times(subs, info, options.fps),
            events=options.events,
            taps=[t for t in (pool, images) if t is not None],
            progress=lambda d, t: report("decode", d, t),
            device=device,
        )
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
    )
