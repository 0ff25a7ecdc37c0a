"""Task-level API: wire probe -> candidates -> signals -> scores -> selection -> fetch.

``select()`` is the one call most users need. Every stage is timed; the resulting
:class:`Selection` carries everything the manifest reports.
"""

from __future__ import annotations

import bisect
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from ._malloc import pin_mmap_threshold
from .errors import InputError
from .scoring.coarse_to_fine import parse_embed_budget
from .scoring.query import QueryPlan, parse_query, plan_query
from .scoring.text_relevance import TextItem, content_words, ocr_channel, score_items, score_ocr, subtitle_channel
from .scoring.visual_relevance import VisualScores, visual_channel_budgeted
from .selectors import get_strategy, run_strategy
from .signals.embedders import Embedder, load_embedder
from .signals.hearing import Hearing, hear
from .signals.lowlevel import visual_features
from .signals.ocr import OcrPool, OcrText, default_ocr_frames
from .signals.speech import normalise_asr
from .signals.text_embedder import EmbeddingMemo
from .signals.visual import VisualEmbeddings
from .video.candidates import CandidateSet, extract_candidates
from .video.decode import iter_decoded, to_rgb
from .video.images import CandidateImages
from .video.probe import FrameTable, VideoInfo, probe
from .video.subtitles import Subtitles, load_subtitles

__all__ = ["Analysis", "ProgressFn", "SelectedFrame", "Selection", "analyze", "select", "select_from"]

#: ``progress(stage, done, total)``; called often, must be cheap.
ProgressFn = Callable[[str, int, int], None]


@dataclass
class SelectedFrame:
    """One chosen frame: its original index, its time (seconds, from pts) and why it was chosen."""

    index: int
    time: float
    source: str
    role: str
    scores: dict[str, float | bool]
    reason: str
    width: int
    height: int
    image: Image.Image | None = field(default=None, repr=False)
    #: Under a token budget: the side length relative to the model family's default frame size
    #: (``width x height`` is then the size the model sees, and the size the image is fetched at).
    scale: float | None = None
    #: Subtitle / speech / on-screen text near this frame, nearest first: ``{"channel", "start",
    #: "end", "text"}`` (:mod:`framesift.export.context`); adapters put it beside the frame.
    text: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "index": self.index,
                "time": round(self.time, 6),
                "scores": {k: v if isinstance(v, bool) else round(float(v), 4) for k, v in self.scores.items()},
                "reason": self.reason,
                "role": self.role,
                "source": self.source,
                "resolution": [self.width, self.height],
            }
            | ({"scale": round(self.scale, 4)} if self.scale is not None else {})
            | ({"text": self.text} if self.text else {})
        )


@dataclass
class Selection:
    """The result of :func:`select`: frames in time order plus what produced them."""

    video: VideoInfo
    query: str
    strategy: str
    params: dict[str, Any]
    budget: int
    frames: list[SelectedFrame]
    signals: dict[str, Any]
    timings: dict[str, float]
    notes: list[str]
    num_candidates: int
    #: Under a token budget: ``{"tokens", "tokens_spent", "model_family", ...}`` (see the manifest).
    tokens: dict[str, Any] | None = None

    @property
    def indices(self) -> list[int]:
        return [f.index for f in self.frames]

    @property
    def times(self) -> list[float]:
        return [f.time for f in self.frames]

    def to_manifest(self) -> dict[str, Any]:
        from .export.manifest import build_manifest

        return build_manifest(self)

    def to_openai_messages(self, question: str, **options: Any) -> list[dict[str, Any]]:
        """OpenAI-compatible chat messages: JPEG data URLs, each after a text timestamp."""
        from .export.openai import openai_messages

        return openai_messages(self, question, **options)

    def to_vllm_request(self, question: str, **options: Any) -> dict[str, Any]:
        """vLLM chat request: one video of the frames, with true ``frames_indices`` and source fps."""
        from .export.vllm import vllm_request

        return vllm_request(self, question, **options)

    def to_qwen_messages(self, question: str, **options: Any) -> dict[str, Any]:
        """transformers / qwen-vl-utils inputs: messages, true ``video_metadata``, processor kwargs."""
        from .export.qwen import qwen_inputs

        return qwen_inputs(self, question, **options)

    def to_gemini_contents(self, question: str, **options: Any) -> list[dict[str, Any]]:
        """Gemini ``contents``: contiguous picks as clips (offsets + fps), lone picks as images."""
        from .export.gemini import gemini_contents

        return gemini_contents(self, question, **options)

    def save(self, out_dir: str | os.PathLike) -> Path:
        """Write JPEGs, ``manifest.json`` and ``contact_sheet.png`` to ``out_dir`` atomically."""
        from .export.files import write_output_dir

        return write_output_dir(self, Path(out_dir))


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 4)


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


def _validate(query: str, budget: int | None, budget_tokens: int | None = None) -> None:
    if budget_tokens is not None and (
        not isinstance(budget_tokens, (int, np.integer)) or isinstance(budget_tokens, bool) or budget_tokens < 1
    ):
        raise InputError(f"token budget must be a whole number >= 1 (got {budget_tokens!r})")
    if budget is None:
        return
    if not isinstance(budget, (int, np.integer)) or isinstance(budget, bool):
        raise InputError(f"budget must be a whole number of frames (got {budget!r})")
    if budget < 1:
        raise InputError(f"budget must be at least 1 (got {budget})")
    if not isinstance(query, str):
        raise InputError("query must be text")


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
    #: The index entry holding this analysis (:class:`framesift.index.VideoEntry`), None without a cache.
    entry: Any = field(default=None, repr=False)
    #: What the audio gave: transcript (speech channel), sound onsets (:mod:`framesift.signals.hearing`).
    hearing: Hearing | None = None
    #: Whether this analysis was read from the index (the manifest's ``from_index``).
    from_index: bool = False


def analyze(
    video: str | os.PathLike,
    *,
    subtitles: str | os.PathLike | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: bool | int | Literal["auto"] = "auto",
    model: str | Embedder | None = None,
    progress: ProgressFn | None = None,
    cache: Any = False,
    asr: str | bool | None = "auto",
    asr_device: str = "cpu",
) -> Analysis:
    """Probe, decode candidates, compute features and read on-screen text: the query-free part.

    With ``model`` (a spec for :func:`~framesift.signals.embedders.load_embedder` or an
    :class:`Embedder`), the decode pass also keeps a model-size JPEG of every candidate and the
    result's ``visual`` embeds them on demand (:class:`VisualEmbeddings`).

    ``cache``: ``False`` (default) computes everything; ``True`` (the default cache directory),
    a directory or a :class:`framesift.index.IndexStore` loads the analysis from the per-video
    index when it holds one for this video's content and these settings, and stores it
    otherwise. A loaded analysis never opens the video (only the final frame fetch does).
    With ``model`` too, its ``visual`` gets every row of this model stored in the entry and the
    stored model-size images (decoded once if the entry has none at this size); rows embedded
    later are written back by :func:`select_from` (:mod:`framesift.index.visual`).

    ``asr``: speech recognition (:mod:`framesift.signals.hearing`): ``"auto"`` (the offline
    default model when the ``speech`` extra is installed, the file has audio and no subtitles),
    ``"off"``, or a faster-whisper model (``"small"``, ``"large-v3"``, a CTranslate2 directory);
    ``asr_device``: ``cpu``, ``cuda`` or ``auto``. The transcript is part of the stored analysis.
    """
    if not (math.isfinite(fps) and fps > 0):
        raise InputError(f"candidate fps must be > 0 (got {fps})")
    normalise_asr(asr)  # a bad value fails before any work
    hearing = {"asr": asr, "asr_device": asr_device}
    if cache is not None and cache is not False:
        return _analyze_cached(
            video,
            cache,
            subtitles=subtitles,
            fps=fps,
            events=events,
            ocr=ocr,
            model=model,
            progress=progress,
            **hearing,
        )
    return _analyze(
        video, subtitles=subtitles, fps=fps, events=events, ocr=ocr, model=model, progress=progress, **hearing
    )


def _analyze_cached(video, cache, *, subtitles, fps, events, ocr, model, progress, asr, asr_device) -> Analysis:
    from .index import open_store
    from .index.visual import attach_visual

    t0 = time.perf_counter()
    embedder = load_embedder(model) if model is not None else None  # a bad --model fails before any work
    entry = open_store(cache).entry(video, fps=fps, events=events, ocr=ocr, subtitles=subtitles, asr=asr)
    analysis = entry.load_analysis(video)
    if analysis is None:
        # Another process may be building this very entry: wait for it instead of doing it twice.
        with entry.lock():
            analysis = entry.load_analysis(video)
            if analysis is None:
                miss = entry.last_miss
                analysis = _analyze(
                    video,
                    subtitles=subtitles,
                    fps=fps,
                    events=events,
                    ocr=ocr,
                    model=embedder,
                    progress=progress,
                    asr=asr,
                    asr_device=asr_device,
                )
                t1 = time.perf_counter()
                entry.put_analysis(analysis)
                if analysis.visual is not None:  # keep the model-size images: later questions never decode
                    attach_visual(analysis, entry, analysis.visual.embedder, decoded=analysis.visual.images)
                analysis.timings["index_write"] = round(time.perf_counter() - t1, 4)
                if miss and miss != "absent":
                    analysis.notes.append(f"index entry rebuilt ({miss})")
                analysis.entry = entry
                return analysis
    analysis.timings = {"index_load": round(time.perf_counter() - t0, 4)}
    analysis.notes.append("analysis loaded from the index (decoded earlier)")
    analysis.entry = entry
    analysis.from_index = True
    if embedder is not None:
        t1 = time.perf_counter()
        images = attach_visual(analysis, entry, embedder, progress=progress).images
        analysis.timings["index_visual"] = round(time.perf_counter() - t1, 4)
        if getattr(images, "decoded", 0):
            analysis.notes.append(
                f"decoded {images.decoded} candidates at {images.side} px for the visual model (stored in the index)"
            )
    return analysis


def _analyze(video, *, subtitles, fps, events, ocr, model, progress, asr="auto", asr_device="cpu") -> Analysis:
    pin_mmap_threshold()
    timer = _Timer()
    notes: list[str] = []
    report = progress or (lambda stage, done, total: None)
    embedder = None
    if model is not None:
        with timer.stage("model_load"):  # before decoding: a bad --model fails fast
            embedder = load_embedder(model)
    with timer.stage("probe"):
        info, table = probe(video)
    notes.extend(info.warnings)
    with timer.stage("subtitles"):
        subs = load_subtitles(video, info, subtitles)
    with timer.stage("audio"):  # before the video pass: speech cues and sound onsets add candidates
        hearing = hear(video, info, subs, asr=asr, events=events, asr_device=asr_device, progress=report)
    notes.extend(hearing.notes)
    speech_cues = hearing.transcript.cues if hearing.transcript is not None else ()
    ocr_frames = 0 if ocr is False else (default_ocr_frames(info.duration) if ocr in ("auto", True) else int(ocr))
    pool = OcrPool(info, ocr_frames) if ocr_frames > 0 else None
    images = CandidateImages(info, embedder.image_size) if embedder is not None else None
    with timer.stage("decode"):
        cands = extract_candidates(
            video,
            info,
            table,
            fps=fps,
            extra_times=_uncovered_subtitle_times(subs, info, fps) + _uncovered_cue_times(speech_cues, info, fps),
            events=events,
            taps=[t for t in (pool, images) if t is not None],
            progress=lambda d, t: report("decode", d, t),
            audio_events=[(o.time, o.rise_db / 15.0, o.transient) for o in hearing.onsets],
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
        hearing=hearing,
    )


def select_from(
    analysis: Analysis,
    query: str,
    budget: int | None = None,
    *,
    strategy: str = "auto",
    params: dict[str, Any] | None = None,
    seed: int = 0,
    fetch: bool = True,
    budget_tokens: int | None = None,
    model_family: str = "qwen2.5-vl",
    expand: bool = True,
    rewrite_url: str | None = None,
    rewrite_model: str = "default",
    embed_budget: int | Literal["auto", "all"] = "auto",
    progress: ProgressFn | None = None,
) -> Selection:
    """Score and select on an existing :class:`Analysis` (the query-dependent part of :func:`select`).

    Image embeddings computed for this question are kept in ``analysis.visual``: the next
    question on the same analysis reuses them (never embeds a candidate twice) and computes
    fewer new ones (see :func:`~framesift.scoring.coarse_to_fine.question_budget`).
    """
    _validate(query, budget, budget_tokens)
    embed_budget = parse_embed_budget(embed_budget)
    get_strategy(strategy)
    tokens = None
    if budget_tokens is not None:
        from .budget import TokenBudget

        tokens = TokenBudget.of(int(budget_tokens), model_family, (analysis.info.width, analysis.info.height))
    if budget is None:  # 8 frames by default; under a token budget the tokens decide
        budget = 8 if tokens is None else max(1, len(analysis.candidates))
    timer = _Timer()
    timer.timings.update(analysis.timings)
    notes = list(analysis.notes)
    cands, info = analysis.candidates, analysis.info
    # Multiple-choice boilerplate and option letters carry no evidence for any channel.
    parsed = parse_query(query)
    text_query = parsed.text() if parsed.changed else query
    channels, evidence = _score_text(text_query, analysis, timer)
    plan: QueryPlan | None = None
    embedding: dict[str, Any] | None = None
    if analysis.visual is not None and query.strip():
        plan = plan_query(query, expand_query=expand, rewrite_url=rewrite_url, rewrite_model=rewrite_model)
        notes.extend(plan.notes)
        evidence.visual, embedding = _score_visual(analysis, plan, embed_budget, timer, progress)
        evidence.plan = plan
        channels["visual"] = evidence.visual.score
    fused = np.max(np.stack(list(channels.values())), axis=0) if channels else np.zeros(len(cands), np.float32)
    with timer.stage("select"):
        picks = run_strategy(
            strategy,
            fused,
            analysis.features,
            cands.time,
            int(budget),
            seed=seed,
            events=cands.change,
            transient=cands.transient,
            params=params,
            tokens=tokens,
        )
    if tokens is None and budget >= len(cands):
        notes.append(f"budget {budget} >= {len(cands)} candidates: all candidates returned")
    frames = _describe(picks.indices, picks.roles, cands, channels, fused, evidence, info)
    token_info = _apply_scales(frames, picks, tokens) if tokens is not None else None
    _attach_text(frames, analysis)
    if fetch and frames:
        with timer.stage("fetch"):
            _fetch_images(analysis.path, info, analysis.table, frames)
    _persist_visual(analysis, timer, notes)
    signals = _signals_summary(analysis.subtitles, cands, analysis.ocr_pool, analysis.ocr_reads, channels)
    signals["visual_model"] = _visual_summary(analysis.visual, plan, channels, embedding)
    signals["speech"] = _speech_summary(analysis, channels)
    signals["audio_events"] = _audio_summary(analysis)
    return Selection(
        video=info,
        query=query,
        strategy=strategy,
        params=dict(params or {}),
        budget=int(budget),
        frames=frames,
        signals=signals,
        timings=timer.timings,
        notes=notes,
        num_candidates=len(cands),
        tokens=token_info,
    )


def _apply_scales(frames: list[SelectedFrame], picks, tokens) -> dict[str, Any]:
    """Give each frame its planned size and say what the selection spent (manifest ``budget``)."""
    scale_of = dict(zip(picks.indices.tolist(), picks.scales or ()))
    sizes = []
    for f, pos in zip(frames, sorted(scale_of)):  # both in time order
        f.scale = float(scale_of[pos])
        f.width, f.height = tokens.size(f.scale)
        sizes.append((f.width, f.height))
    return {
        "tokens": tokens.limit,
        "tokens_spent": tokens.family.count(sizes),
        "model_family": tokens.family.name,
        "overhead_tokens_estimate": tokens.family.overhead(sizes),
    }


def select(
    video: str | os.PathLike,
    query: str,
    budget: int | None = None,
    *,
    strategy: str = "auto",
    params: dict[str, Any] | None = None,
    budget_tokens: int | None = None,
    model_family: str = "qwen2.5-vl",
    subtitles: str | os.PathLike | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: bool | int | Literal["auto"] = "auto",
    seed: int = 0,
    fetch: bool = True,
    model: str | Embedder | None = None,
    expand: bool = True,
    rewrite_url: str | None = None,
    rewrite_model: str = "default",
    embed_budget: int | Literal["auto", "all"] = "auto",
    progress: ProgressFn | None = None,
    cache: Any = False,
    asr: str | bool | None = "auto",
    asr_device: str = "cpu",
) -> Selection:
    """Choose at most ``budget`` frames of ``video`` that a model should see to answer ``query``.

    Args:
        video: path to a video file.
        query: the question (may be empty: then selection is query-agnostic).
        budget: the maximum number of frames returned (default 8, or no cap beyond the tokens
            when ``budget_tokens`` is given).
        budget_tokens: a visual-token budget for ``model_family`` (``qwen2.5-vl``, ``qwen3-vl``,
            ``llava-onevision``, ``internvl``, ``generic:N``): frame-only strategies get as many
            default-size frames as fit; ``qframe``/``clips``/``codec`` mix resolutions. Each frame
            then carries its ``scale`` and the size the model sees, and is fetched at that size.
        strategy: a registered strategy name (``framesift.list_strategies()``).
        params: strategy parameters (see each strategy's signature).
        subtitles: a subtitle file; by default a sidecar (same stem, .srt/.vtt) or an embedded
            subtitle stream is used when present.
        fps: candidate sampling rate.
        events: scan every frame for momentary events (flashes, brief captions).
        ocr: read on-screen text: ``"auto"`` (a length-dependent number of frames), a number of
            frames, or ``False``.
        seed: for strategies that draw random numbers.
        fetch: decode the chosen frames at full resolution into ``frame.image``.
        model: a vision-language dual encoder for the ``visual`` channel: a hub id, a local
            ``transformers`` or ``framesift export-onnx`` directory, ``open_clip:NAME/TAG``, or an
            :class:`Embedder`. None: relevance comes from subtitles and on-screen text only.
        expand: rewrite the question into caption-style phrases for the visual channel (rules).
        rewrite_url: an OpenAI-compatible endpoint that does that rewrite instead.
        embed_budget: with ``model``, how many candidates the visual channel may embed
            (coarse-to-fine scoring, :mod:`framesift.scoring.coarse_to_fine`; the others get
            estimated scores): a number, ``"auto"`` (about 0.3 s of the model's measured time
            per minute of video, at least one embedding per span up to one per 10 s) or
            ``"all"`` (every candidate: dense scoring).
        progress: optional callback ``(stage, done, total)``.
        cache: reuse / fill the per-video index (see :func:`analyze`).
        asr: speech recognition: ``"auto"``, ``"off"`` or a faster-whisper model (see :func:`analyze`);
            what is said becomes the ``speech`` channel and each frame's nearby words.
        asr_device: ``cpu``, ``cuda`` or ``auto`` for the speech model.
    """
    _validate(query, budget, budget_tokens)
    embed_budget = parse_embed_budget(embed_budget)  # a bad value fails before decoding
    get_strategy(strategy)  # unknown strategy: fail before any decoding
    if budget_tokens is not None:
        from .budget import get_family

        get_family(model_family)  # unknown family: fail before decoding too
    analysis = analyze(
        video,
        subtitles=subtitles,
        fps=fps,
        events=events,
        ocr=ocr,
        model=model,
        progress=progress,
        cache=cache,
        asr=asr,
        asr_device=asr_device,
    )
    return select_from(
        analysis,
        query,
        budget,
        strategy=strategy,
        params=params,
        seed=seed,
        fetch=fetch,
        budget_tokens=budget_tokens,
        model_family=model_family,
        expand=expand,
        rewrite_url=rewrite_url,
        rewrite_model=rewrite_model,
        embed_budget=embed_budget,
        progress=progress,
    )


@dataclass
class _Evidence:
    """Which text item gave each candidate its channel score (for reasons and the manifest)."""

    sub_which: np.ndarray | None = None
    sub_items: list[TextItem] = field(default_factory=list)
    sub_lines: list = field(default_factory=list)
    ocr_which: np.ndarray | None = None
    ocr_items: list[TextItem] = field(default_factory=list)
    ocr_reads: list[OcrText] = field(default_factory=list)
    speech_which: np.ndarray | None = None
    speech_items: list[TextItem] = field(default_factory=list)
    speech_lines: list = field(default_factory=list)
    query_words: list[str] = field(default_factory=list)
    speech_words: tuple = ()
    visual: VisualScores | None = None
    plan: QueryPlan | None = None


def _score_visual(
    analysis: Analysis, plan: QueryPlan, embed_budget: int | str, timer: _Timer, progress: ProgressFn | None
) -> tuple[VisualScores, dict[str, Any]]:
    """The visual channel, coarse-to-fine under ``embed_budget``; new rows stay in ``analysis.visual``."""
    visual = analysis.visual
    assert visual is not None and visual.embedder is not None
    report = progress or (lambda stage, done, total: None)
    cands = analysis.candidates
    spent_before = visual.embed_seconds
    with timer.stage("visual_score"):
        result = visual_channel_budgeted(
            visual,
            plan,
            visual.embedder,
            cands.time,
            analysis.features,
            duration_s=analysis.info.duration,
            embed_budget=embed_budget,
            events=cands.change,
            transient=cands.transient,
            progress=lambda d, t: report("embed", d, t),
        )
    # Image embedding happens inside the coarse-to-fine rounds: report it as its own stage.
    embed_s = round(visual.embed_seconds - spent_before, 4)
    timer.timings["embed_images"] = embed_s
    timer.timings["visual_score"] = round(max(timer.timings["visual_score"] - embed_s, 0.0), 4)
    return result


def _persist_visual(analysis: Analysis, timer: _Timer, notes: list[str]) -> None:
    """Write rows embedded while answering to the analysis's index entry (none without a cache)."""
    if analysis.entry is None or analysis.visual is None:
        return
    from .index.visual import persist_visual

    with timer.stage("index_write_embeddings"):
        try:
            persist_visual(analysis)
        except OSError as exc:  # a full or read-only cache must not cost the answer
            notes.append(f"could not store new image embeddings in the index: {exc}")


def _visual_summary(
    visual: VisualEmbeddings | None,
    plan: QueryPlan | None,
    channels: dict[str, np.ndarray],
    embedding: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if visual is None:
        return {"available": False, "used": False, "note": "no vision-language model configured"}
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


def _score_text(query: str, analysis: Analysis, timer: _Timer) -> tuple[dict[str, np.ndarray], _Evidence]:
    channels: dict[str, np.ndarray] = {}
    ev = _Evidence()
    subs, reads, cands = analysis.subtitles, analysis.ocr_reads, analysis.candidates
    cues = _speech_cues(analysis)
    has_text = bool((subs and subs.lines) or reads or cues)
    if not query.strip() or not has_text:
        return channels, ev
    with timer.stage("text_embed"):
        if subs and subs.lines:
            ev.sub_lines = list(subs.lines)
            ev.sub_items = score_items(query, [ln.text for ln in subs.lines], analysis.embed)
        if cues:
            # what is said: scored like subtitle cues (MiniLM + keyword match), its own channel
            ev.speech_lines = list(cues)
            ev.speech_items = score_items(query, [c.text for c in cues], analysis.embed)
            ev.query_words = content_words(query)
            ev.speech_words = analysis.hearing.transcript.words  # type: ignore[union-attr]
        if reads:
            ev.ocr_reads = reads
            ev.ocr_items = score_ocr(query, reads, analysis.embed)
    with timer.stage("score"):
        if ev.sub_items:
            channels["subtitle"], ev.sub_which = subtitle_channel(cands.time, ev.sub_lines, ev.sub_items)
        if ev.speech_items:
            channels["speech"], ev.speech_which = subtitle_channel(cands.time, ev.speech_lines, ev.speech_items)
        if ev.ocr_items:
            channels["ocr"], ev.ocr_which = ocr_channel(cands.index, analysis.features, reads, ev.ocr_items)
    return channels, ev


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f'"{text[: limit - 1]}…"' if len(text) > limit else f'"{text}"'


def _reason(pos: int, role: str, cands: CandidateSet, channels: dict[str, np.ndarray], ev: _Evidence) -> str:
    parts: list[str] = []
    best_channel = max(channels, key=lambda c: channels[c][pos]) if channels else None
    if best_channel and channels[best_channel][pos] > 0:
        score = float(channels[best_channel][pos])
        if best_channel == "visual" and ev.visual is not None and ev.plan is not None and ev.visual.which[pos] >= 0:
            name, phrases = ev.plan.groups[int(ev.visual.which[pos])]
            evidence = (
                f"image matches the {name} ({score:.2f}, cosine {float(ev.visual.cosine[pos]):.3f}): "
                f"{_quote(phrases[0])}"
            )
        elif (
            best_channel == "visual"
            and ev.visual is not None
            and ev.visual.estimated is not None
            and ev.visual.estimated[pos]
        ):
            evidence = f"image score estimated from embedded frames of the same span ({score:.2f}; not embedded)"
        elif best_channel == "subtitle" and ev.sub_which is not None and ev.sub_which[pos] >= 0:
            ln = ev.sub_lines[int(ev.sub_which[pos])]
            evidence = f"subtitle {ln.start:.1f}-{ln.end:.1f}s matches the query ({score:.2f}): {_quote(ln.text)}"
        elif best_channel == "speech" and ev.speech_which is not None and ev.speech_which[pos] >= 0:
            ln = ev.speech_lines[int(ev.speech_which[pos])]
            evidence = f"speech {ln.start:.1f}-{ln.end:.1f}s matches the query ({score:.2f}): {_quote(ln.text)}"
            heard = _heard_words(ln, ev.query_words, ev.speech_words)
            if heard:
                evidence += f" (heard {heard})"
        elif best_channel == "ocr" and ev.ocr_which is not None and ev.ocr_which[pos] >= 0:
            item = ev.ocr_items[int(ev.ocr_which[pos])]
            evidence = f"on-screen text matches the query ({score:.2f}): {_quote(item.text)}"
        else:
            evidence = f"{best_channel} score {score:.2f}"
    else:
        evidence = ""
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


def _describe(
    positions: np.ndarray,
    roles: tuple[str, ...],
    cands: CandidateSet,
    channels: dict[str, np.ndarray],
    fused: np.ndarray,
    ev: _Evidence,
    info: VideoInfo,
) -> list[SelectedFrame]:
    frames = []
    for pos, role in zip(positions.tolist(), roles):
        scores = {name: float(ch[pos]) for name, ch in channels.items()}
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
                reason=_reason(pos, role, cands, channels, ev),
                width=info.width,
                height=info.height,
            )
        )
    frames.sort(key=lambda f: f.time)
    return frames


def _fetch_images(video, info: VideoInfo, table, frames: list[SelectedFrame]) -> None:
    by_index = {f.index: f for f in frames}
    for idx, frame in iter_decoded(video, table, np.array(sorted(by_index), dtype=np.int64)):
        arr = to_rgb(frame, info, None)
        f = by_index[idx]
        if f.scale is not None:  # token budget: exactly the size the model will see
            f.image = Image.fromarray(arr).resize((f.width, f.height), Image.Resampling.BICUBIC)
        else:
            f.image = Image.fromarray(arr)
            f.height, f.width = arr.shape[:2]


def _signals_summary(
    subs: Subtitles | None,
    cands: CandidateSet,
    pool: OcrPool | None,
    reads: list[OcrText],
    channels: dict[str, np.ndarray],
) -> dict[str, Any]:
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
        "visual_model": {"available": False, "used": False, "note": "no vision-language model configured"},
        "text_embedder": (
            "sentence-transformers/all-MiniLM-L6-v2" if {"subtitle", "ocr", "speech"} & set(channels) else None
        ),
        "candidates": {
            "count": len(cands),
            "by_source": {s: int((cands.source == s).sum()) for s in ("grid", "event", "subtitle", "audio")},
            "read_plan": cands.plan.mode,
        },
    }


def _speech_cues(analysis: Analysis) -> tuple:
    h = analysis.hearing
    return h.transcript.cues if h is not None and h.transcript is not None else ()


def _heard_words(cue, query_words: list[str], words: tuple) -> str:
    """The query's words as heard inside ``cue``, with their times: ``"door" at 13.5s, ...``."""
    if not query_words:
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


def _attach_text(frames: list[SelectedFrame], analysis: Analysis) -> None:
    """Give each frame the subtitle / speech / on-screen text near it (with times)."""
    from .export.context import nearby_text

    subs = analysis.subtitles.lines if analysis.subtitles else ()
    cues = _speech_cues(analysis)
    for f in frames:
        f.text = nearby_text(f.time, subtitles=subs, speech=cues, ocr=analysis.ocr_reads)


def _speech_summary(analysis: Analysis, channels: dict[str, np.ndarray]) -> dict[str, Any]:
    used = "speech" in channels and float(channels["speech"].max()) > 0
    if analysis.hearing is None:
        return {"available": False, "used": False, "model": None, "note": "audio not analysed", "from_index": False}
    return analysis.hearing.speech_report(used=used, from_index=analysis.from_index)


def _audio_summary(analysis: Analysis) -> dict[str, Any]:
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
