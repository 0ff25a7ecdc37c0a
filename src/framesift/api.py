"""Task-level API: wire probe -> candidates -> signals -> scores -> selection -> fetch.

``select()`` is the one call most users need; it is :func:`analyze` (the query-free part,
cached in the per-video index) followed by :func:`select_from` (the question). Every stage is
timed; the resulting :class:`Selection` carries everything the manifest reports. This module
only wires the stages: each lives in its own module below.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np

from ._timer import StageTimer
from .analysis import Analysis, AnalysisOptions, OcrSetting, run_analysis
from .budget import TokenBudget, get_family
from .budget.layouts import LayoutSpec
from .devices import check_device
from .errors import InputError
from .explain import attach_text, audio_summary, describe_frames, signals_summary, speech_summary, visual_summary
from .frame import SelectedFrame, TokenSpend
from .index import IndexStore, open_store
from .index.cached import cached_analysis
from .index.visual import persist_visual
from .limits import check_query_text
from .planning import apply_layout, apply_scales
from .progress import ProgressFn
from .report_data import build_report_data
from .scoring.embed_budget import parse_embed_budget
from .scoring.query import QueryPlan, parse_query, plan_query
from .scoring.relevance import analysis_spans, fuse, score_text, score_visual
from .selection import Selection
from .selectors import get_strategy, run_strategy
from .signals.embedders import Embedder

__all__ = ["Analysis", "ProgressFn", "SelectedFrame", "Selection", "analyze", "select", "select_from"]

#: What ``cache=`` takes: False (no index), True (the default directory), a directory or a store.
CacheSpec = bool | str | os.PathLike[str] | IndexStore | None
EmbedBudgetSpec = int | Literal["auto", "all"]


def _check_budget(budget: int | None, budget_tokens: int | None) -> None:
    """The one check of a frame budget and a token budget (library messages name the parameter)."""
    if budget_tokens is not None and (
        not isinstance(budget_tokens, (int, np.integer)) or isinstance(budget_tokens, bool) or budget_tokens < 1
    ):
        raise InputError(f"token budget must be a whole number >= 1 (got {budget_tokens!r})", param="budget_tokens")
    if budget is None:
        return
    if not isinstance(budget, (int, np.integer)) or isinstance(budget, bool):
        raise InputError(f"budget must be a whole number of frames (got {budget!r})", param="budget")
    if budget < 1:
        raise InputError(f"budget must be at least 1 (got {budget})", param="budget")


def _check_query(query: object) -> None:
    if not isinstance(query, str):
        raise InputError("query must be text", param="query")


def _check_request(
    query: object,
    budget: int | None,
    budget_tokens: int | None,
    plan: str,
    layout: str | None,
    crops: str,
    embed_budget: EmbedBudgetSpec | str,
    strategy: str,
) -> tuple[LayoutSpec, bool, EmbedBudgetSpec]:
    """Every check that needs no video, in one place (``select`` runs it before decoding):
    returns the layout spec, whether it plans anything beyond whole frames, and the embed budget."""
    _check_budget(budget, budget_tokens)
    _check_query(query)
    layout_spec = LayoutSpec.parse(plan, layout, crops)
    planned = layout_spec != LayoutSpec()
    if planned and budget_tokens is None:
        raise InputError("plan, layout and crops options need a token budget (budget_tokens)", param="plan")
    spec = parse_embed_budget(embed_budget)
    get_strategy(strategy)
    return layout_spec, planned, spec
    check_query_text(query)


def analyze(
    video: str | os.PathLike[str],
    *,
    subtitles: str | os.PathLike[str] | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: OcrSetting = "auto",
    model: str | Embedder | None = None,
    progress: ProgressFn | None = None,
    cache: CacheSpec = False,
    device: str = "auto",
    asr: str | bool | None = "auto",
    asr_device: str = "cpu",
) -> Analysis:
    """Probe, decode candidates, compute features and read on-screen text: the query-free part.

    With ``model`` (a spec for :func:`~framesift.signals.embedders.load_embedder` or an
    :class:`Embedder`), the decode pass also keeps a model-size JPEG of every candidate and the
    result's ``visual`` embeds them on demand (:class:`~framesift.signals.visual.VisualEmbeddings`).

    ``cache``: ``False`` (default) computes everything; ``True`` (the default cache directory),
    a directory or a :class:`framesift.index.IndexStore` loads the analysis from the per-video
    index when it holds one for this video's content and these settings, and stores it
    otherwise (:func:`framesift.index.cached.cached_analysis`). A loaded analysis never opens
    the video (only the final frame fetch does). With ``model`` too, its ``visual`` gets every
    row of this model stored in the entry; rows embedded later are written back by
    :func:`select_from`.

    ``device`` (``auto``, ``cpu``, ``cuda[:N]``): where the visual model, OCR and decoding run
    (:func:`framesift.analysis.run_analysis`).
    ``asr``: speech recognition (:mod:`framesift.signals.hearing`): ``"auto"`` (the offline
    default model when the ``speech`` extra is installed, the file has audio and no subtitles),
    ``"off"``, or a faster-whisper model (``"small"``, ``"large-v3"``, a CTranslate2 directory);
    ``asr_device``: ``cpu``, ``cuda`` or ``auto``. The transcript is part of the stored analysis.
    """
    device = check_device(device)
    options = AnalysisOptions.of(fps=fps, events=events, ocr=ocr, subtitles=subtitles, asr=asr, asr_device=asr_device)
    store = open_store(cache)
    if store is not None:
        return cached_analysis(video, store, options, model=model, progress=progress, device=device)
    return run_analysis(video, options, model=model, progress=progress, device=device)


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
    embed_budget: EmbedBudgetSpec | str = "auto",
    progress: ProgressFn | None = None,
    plan: str = "whole",
    layout: str | None = None,
    crops: str = "off",
) -> Selection:
    """Score and select on an existing :class:`Analysis` (the query-dependent part of :func:`select`).

    ``plan="slowfast"``, ``layout="grid:RxC"`` and ``crops="auto"`` (with ``budget_tokens``) plan
    what the chosen frames are sent as: sharp stills beside small frames, storyboards, crops of
    the on-screen text that matched the question (:mod:`framesift.budget.layouts`); the plan is
    ``Selection.layout`` and the manifest's ``layout``.

    Image embeddings computed for this question are kept in ``analysis.visual``: the next
    question on the same analysis reuses them (never embeds a candidate twice) and computes
    fewer new ones (see :func:`~framesift.scoring.embed_budget.question_budget`).
    """
    layout_spec, planned, spec = _check_request(
        query, budget, budget_tokens, plan, layout, crops, embed_budget, strategy
    )
    cands, info = analysis.candidates, analysis.info
    tokens = None
    if budget_tokens is not None:
        tokens = TokenBudget.of(int(budget_tokens), model_family, (info.width, info.height))
    if budget is None:  # 8 frames by default; under a token budget the tokens decide
        budget = 8 if tokens is None or planned else max(1, len(cands))
    timer = StageTimer(analysis.timings)
    notes = list(analysis.notes)
    # Multiple-choice boilerplate and option letters carry no evidence for any channel.
    parsed = parse_query(query)
    channels, evidence = score_text(parsed.text() if parsed.changed else query, analysis, timer)
    qplan: QueryPlan | None = None  # the question's plan (``plan`` is the layout option)
    embedding: dict[str, Any] | None = None
    if analysis.visual is not None and _has_words(query):
        qplan = plan_query(query, expand_query=expand, rewrite_url=rewrite_url, rewrite_model=rewrite_model)
        notes.extend(qplan.notes)
        evidence.visual, embedding = score_visual(analysis, qplan, spec, timer, progress)
        evidence.plan = qplan
        channels["visual"] = evidence.visual.score
    fused = fuse(channels, len(cands))
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
            tokens=None if planned else tokens,  # a layout plan fits the picks to the tokens itself
        )
    if tokens is None and budget >= len(cands):
        notes.append(f"budget {budget} >= {len(cands)} candidates: all candidates returned")
    frames = describe_frames(picks.indices, picks.roles, cands, channels, fused, evidence, info)
    vplan = None
    spend: TokenSpend | None
    if planned and tokens is not None:
        vplan, frames, spend = apply_layout(analysis, query, frames, tokens, layout_spec)
    else:
        spend = apply_scales(frames, picks, tokens) if tokens is not None else None
    attach_text(frames, analysis)
    sel = Selection(
        video=info,
        query=query,
        strategy=strategy,
        params=dict(params or {}),
        budget=int(budget),
        frames=frames,
        signals={},
        timings=timer.timings,
        notes=notes,
        num_candidates=len(cands),
        tokens=spend,
        table=analysis.table,
        layout=vplan,
        report=build_report_data(
            cands.time,
            cands.source,
            cands.change,
            cands.transient,
            analysis_spans(analysis),
            channels,
            fused,
            frame_times=[f.time for f in frames],
            frame_indices=[f.index for f in frames],
            subtitle_lines=analysis.subtitles.lines if analysis.subtitles else (),
            ocr_reads=analysis.ocr_reads,
            visual_estimated=None
            if evidence.visual is None
            else (evidence.visual.estimated if evidence.visual.estimated is not None else np.zeros(len(cands), bool)),
        ),
    )
    if fetch and frames:
        with timer.stage("fetch"):
            sel.fetch()
    _persist_visual(analysis, timer, notes)
    sel.signals = signals_summary(analysis.subtitles, cands, analysis.ocr_pool, analysis.ocr_reads, channels)
    sel.signals["visual_model"] = visual_summary(analysis.visual, qplan, channels, embedding)
    sel.signals["speech"] = speech_summary(analysis, channels)
    sel.signals["audio_events"] = audio_summary(analysis)
    return sel


def _has_words(text: str) -> bool:
    """Whether a question holds anything an image-text encoder can match (letters or digits);
    a question of punctuation alone ("...", "?!") leaves the visual channel out."""
    return any(ch.isalnum() for ch in text)


def _persist_visual(analysis: Analysis, timer: StageTimer, notes: list[str]) -> None:
    """Write rows embedded while answering to the analysis's index entry (none without a cache)."""
    if analysis.entry is None or analysis.visual is None:
        return
    with timer.stage("index_write_embeddings"):
        try:
            persist_visual(analysis)
        except OSError as exc:  # a full or read-only cache must not cost the answer
            notes.append(f"could not store new image embeddings in the index: {exc}")


def select(
    video: str | os.PathLike[str],
    query: str,
    budget: int | None = None,
    *,
    strategy: str = "auto",
    params: dict[str, Any] | None = None,
    budget_tokens: int | None = None,
    model_family: str = "qwen2.5-vl",
    subtitles: str | os.PathLike[str] | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: OcrSetting = "auto",
    seed: int = 0,
    fetch: bool = True,
    model: str | Embedder | None = None,
    expand: bool = True,
    rewrite_url: str | None = None,
    rewrite_model: str = "default",
    embed_budget: EmbedBudgetSpec | str = "auto",
    progress: ProgressFn | None = None,
    cache: CacheSpec = False,
    plan: str = "whole",
    layout: str | None = None,
    crops: str = "off",
    device: str = "auto",
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
        rewrite_model: the model name sent to ``rewrite_url``.
        embed_budget: with ``model``, how many candidates the visual channel may embed
            (coarse-to-fine scoring, :mod:`framesift.scoring.coarse_to_fine`; the others get
            estimated scores): a number, ``"auto"`` (about 0.3 s of the model's measured time
            per minute of video, at least one embedding per span up to one per 10 s) or
            ``"all"`` (every candidate: dense scoring).
        progress: optional callback ``(stage, done, total)``.
        cache: reuse / fill the per-video index (see :func:`analyze`).
        plan: ``"whole"`` or ``"slowfast"`` (a few sharp stills where relevance peaks plus small
            frames; needs ``budget_tokens``).
        layout: ``"frames"`` or ``"grid:RxC"`` (storyboards with each cell's time burned in).
        crops: ``"auto"`` (crop the on-screen text that matched the question, sent as images
            beside the frames) or ``"off"``.
        device: ``auto``, ``cpu`` or ``cuda[:N]`` for the visual model, OCR and decoding (see :func:`analyze`).
        asr: speech recognition: ``"auto"``, ``"off"`` or a faster-whisper model (see :func:`analyze`);
            what is said becomes the ``speech`` channel and each frame's nearby words.
        asr_device: ``cpu``, ``cuda`` or ``auto`` for the speech model.
    """
    # Everything that can be checked without the video fails before decoding.
    layout_spec, planned, spec = _check_request(
        query, budget, budget_tokens, plan, layout, crops, embed_budget, strategy
    )
    if budget_tokens is not None:
        get_family(model_family)
    analysis = analyze(
        video,
        subtitles=subtitles,
        fps=fps,
        events=events,
        ocr=ocr,
        model=model,
        progress=progress,
        cache=cache,
        device=device,
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
        embed_budget=spec,
        progress=progress,
        plan=plan,
        layout=layout,
        crops=crops,
    )
